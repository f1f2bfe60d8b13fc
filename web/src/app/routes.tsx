import { createBrowserRouter, type RouteObject } from "react-router";
import { Layout } from "./Layout";
import { RouteError } from "./RouteError";

// Each screen is its own chunk, loaded when first visited: the sign-in route stays small.
// A feature folder exports `Component` (and optionally `loader`) from its `route.tsx`.
const screens: RouteObject[] = [
  { index: true, lazy: () => import("../features/dashboard/route") },
  { path: "contracts", lazy: () => import("../features/contracts-list/route") },
  { path: "contracts/new", lazy: () => import("../features/contract-form/route") },
  { path: "contracts/:id/edit", lazy: () => import("../features/contract-form/editRoute") },
  // Public: anyone checks a receipt, signed in or not (no RequireSession).
  { path: "verify", lazy: () => import("../features/verify-receipt/route") },
  { path: "contracts/:id", lazy: () => import("../features/contract-page/route") },
  { path: "sign-in", lazy: () => import("../features/sign-in/route") },
  { path: "account", lazy: () => import("../features/account/route") },
  { path: "admin/identities", lazy: () => import("../features/admin/route") },
  { path: "admin/identities/:did", lazy: () => import("../features/admin/identityRoute") },
  { path: "*", lazy: () => import("../features/not-found/route") },
];

export const router = createBrowserRouter([
  { element: <Layout />, errorElement: <RouteError />, children: screens },
]);
