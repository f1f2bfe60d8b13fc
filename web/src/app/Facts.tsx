import type { ReactNode } from "react";
import classes from "./Facts.module.css";

export interface Fact { label: string; value: ReactNode }

/** Label–value pairs as a description list (a screen reader announces them as such). */
export function Facts({ facts }: { facts: readonly Fact[] }) {
  return (
    <dl className={classes.facts}>
      {facts.map((fact) => (
        <div className={classes.fact} key={fact.label}>
          <dt>{fact.label}</dt>
          <dd>{fact.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What a fact shows when the chain (or its configuration) did not say. */
export const UNKNOWN = "Not known";
