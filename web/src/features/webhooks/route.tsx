import { RequireSession } from "../../auth/RequireSession";
import { WebhooksScreen } from "./WebhooksScreen";

export function Component() {
  return (
    <RequireSession>
      <WebhooksScreen />
    </RequireSession>
  );
}
