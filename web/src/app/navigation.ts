/** The main navigation; screens add their entry here. */
export interface NavigationItem { to: string; label: string }

export const navigation: NavigationItem[] = [
  { to: "/account", label: "Account and keys" },
];
