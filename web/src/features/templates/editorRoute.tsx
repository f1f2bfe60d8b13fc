import { RequireSession } from "../../auth/RequireSession";
import { PublishScreen } from "./PublishScreen";

export function Component() {
  return (
    <RequireSession>
      <PublishScreen />
    </RequireSession>
  );
}
