import { StateBadge } from "../contract-page/StateBadge";
import { STATUS_LABEL, type IdentityStatus } from "./identityRules";

/** An identity's status, tinted, its text in the theme's colour (contrast in both themes). */
export function StatusBadge({ status }: { status: IdentityStatus }) {
  return <StateBadge color={status === "active" ? "green" : "red"}>{STATUS_LABEL[status]}</StateBadge>;
}
