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
  { path: "templates", lazy: () => import("../features/templates/route") },
  { path: "templates/new", lazy: () => import("../features/templates/editorRoute") },
  { path: "templates/:id", lazy: () => import("../features/templates/templateRoute") },
  { path: "templates/:id/publish", lazy: () => import("../features/templates/editorRoute") },
  { path: "training", lazy: () => import("../features/training/route") },
  { path: "training/jobs/:id", lazy: () => import("../features/training/jobRoute") },
  { path: "sign-in", lazy: () => import("../features/sign-in/route") },
  { path: "engine", lazy: () => import("../features/engine/route") },
  { path: "engine/:address", lazy: () => import("../features/engine/contractRoute") },
  { path: "account", lazy: () => import("../features/account/route") },
  { path: "webhooks", lazy: () => import("../features/webhooks/route") },
  { path: "ledger", lazy: () => import("../features/ledger/route") },
  { path: "admin/identities", lazy: () => import("../features/admin/route") },
  { path: "admin/identities/:did", lazy: () => import("../features/admin/identityRoute") },
  { path: "*", lazy: () => import("../features/not-found/route") },
];

export const router = createBrowserRouter([
  { element: <Layout />, errorElement: <RouteError />, children: screens },
]);
