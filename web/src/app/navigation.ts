/** The main navigation; screens add their entry here. */
export interface NavigationItem {
  to: string;
  label: string;
  /** A page of its own outside the app (served beside it): the link loads it in full. */
  outsideApp?: boolean;
}

export const navigation: NavigationItem[] = [
  { to: "/", label: "Dashboard" },
  { to: "/contracts", label: "Contracts" },
  { to: "/contracts/new", label: "New contract" },
  { to: "/verify", label: "Verify a receipt" },
  { to: "/account", label: "Account and keys" },
  // Keep last: a page outside the app.
  { to: "/api-docs", label: "API reference", outsideApp: true },
];
