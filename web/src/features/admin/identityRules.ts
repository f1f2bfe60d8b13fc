import type { components } from "@cms/sdk";
import type { AssignableRole } from "../../auth/me";

export type IdentitySummary = components["schemas"]["IdentitySummary"];
export type IdentityStatus = IdentitySummary["status"];

/** The roles an admin grants and revokes here; "enclave" belongs to machine identities and
 * is kept as it is. */
export const MANAGED_ROLES = ["admin", "auditor"] as const satisfies readonly AssignableRole[];
export type ManagedRole = (typeof MANAGED_ROLES)[number];

export const ROLE_LABEL: Record<ManagedRole, string> = {
  admin: "Administrator: manages identities, templates and everything an auditor sees",
  auditor: "Auditor: reads every contract and identity, changes nothing",
};

/** The whole role list to send (administerIdentity replaces it) after granting or revoking
 * one role; the others, enclave included, stay. Sorted, as the API stores them. */
export function rolesAfter(current: readonly AssignableRole[], role: ManagedRole,
  grant: boolean): AssignableRole[] {
  const rest = current.filter((held) => held !== role);
  return (grant ? [...rest, role] : rest).sort();
}

/** Why the signed-in admin may not make this change to themselves, or null. The API refuses
 * it too ("admins cannot suspend themselves or drop their own admin role"); the UI says so
 * before anyone tries, so that an admin cannot lock themselves out by accident. */
export function selfLockout(callerDid: string, did: string,
  change: { status?: IdentityStatus; revoke?: ManagedRole }): string | null {
  if (callerDid !== did) return null;
  if (change.status !== undefined && change.status !== "active") {
    return "You cannot suspend your own identity: another admin has to.";
  }
  if (change.revoke === "admin") {
    return "You cannot remove your own admin role: another admin has to.";
  }
  return null;
}

/** What suspending an identity does, as the API does it (cms.services.identities and
 * wind_down): said in the confirmation before anyone suspends. */
export const SUSPENSION_CONSEQUENCES: readonly string[] = [
  "Every open session of this identity is refused from its next request, and it cannot sign in.",
  "Its running training jobs are stopped, and contracts it is a party to cannot move on.",
  "Reactivating lets it sign in again; the sessions ended now stay ended.",
];

export const STATUS_LABEL: Record<IdentityStatus, string> = {
  active: "Active",
  inactive: "Inactive",
  suspended: "Suspended",
};
