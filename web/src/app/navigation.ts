import type { AssignableRole } from "../auth/me";

/** The main navigation; screens add their entry here. */
export interface NavigationItem {
  to: string;
  label: string;
  /** A page of its own outside the app (served beside it): the link loads it in full. */
  outsideApp?: boolean;
  /** Shown only to identities holding one of these roles (the API still decides). */
  roles?: AssignableRole[];
}

export const navigation: NavigationItem[] = [
  { to: "/", label: "Dashboard" },
  { to: "/contracts", label: "Contracts" },
  { to: "/contracts/new", label: "New contract" },
  { to: "/templates", label: "Templates" },
  { to: "/training", label: "Training" },
  { to: "/engine", label: "Engine" },
  { to: "/webhooks", label: "Webhooks" },
  // Any signed-in identity may read the ledger's status: no roles.
  { to: "/ledger", label: "Ledger" },
  { to: "/verify", label: "Verify a receipt" },
  { to: "/account", label: "Account and keys" },
  { to: "/admin/identities", label: "Identities", roles: ["admin"] },
  // Keep last: a page outside the app.
  { to: "/api-docs", label: "API reference", outsideApp: true },
];

/** The entries an identity with `roles` sees. */
export function visibleNavigation(items: readonly NavigationItem[],
  roles: readonly AssignableRole[]): NavigationItem[] {
  return items.filter((item) => !item.roles || item.roles.some((role) => roles.includes(role)));
}

/** The one entry that matches `pathname` best (the longest prefix), so that /contracts/new
 * does not light up Contracts as well. */
export function activeEntry(items: readonly NavigationItem[], pathname: string): string | undefined {
  const matches = items.filter((item) =>
    item.to === "/" ? pathname === "/" : pathname === item.to || pathname.startsWith(`${item.to}/`));
  return matches.sort((a, b) => b.to.length - a.to.length)[0]?.to;
}
