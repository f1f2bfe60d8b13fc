import { Alert, type AlertProps } from "@mantine/core";
import type { ReactNode } from "react";
import classes from "./notice.module.css";

/** An Alert whose title keeps the theme's text colour (Mantine's light variant tints it below
 * WCAG AA contrast for green). */
export function Notice({ children, ...props }: AlertProps & { children?: ReactNode }) {
  return <Alert {...props} classNames={{ title: classes.title }}>{children}</Alert>;
}
