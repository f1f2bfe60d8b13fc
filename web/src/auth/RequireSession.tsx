import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useSession } from "./sessionStore";

/** Screens for signed-in users: without a session, go to sign-in and come back here after. */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = `${location.pathname}${location.search}${location.hash}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return children;
}
