import { RequireSession } from "../../auth/RequireSession";
import { Dashboard } from "./Dashboard";

export function Component() {
  return (
    <RequireSession>
      <Dashboard />
    </RequireSession>
  );
}
