import { RequireSession } from "../../auth/RequireSession";
import { JobsScreen } from "./JobsScreen";

export function Component() {
  return (
    <RequireSession>
      <JobsScreen />
    </RequireSession>
  );
}
