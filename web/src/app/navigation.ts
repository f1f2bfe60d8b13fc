/** The main navigation; screens add their entry here. */
export interface NavigationItem { to: string; label: string }

export const navigation: NavigationItem[] = [
  { to: "/", label: "Dashboard" },
  { to: "/contracts", label: "Contracts" },
  { to: "/contracts/new", label: "New contract" },
];
