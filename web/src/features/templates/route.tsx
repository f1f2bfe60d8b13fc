import { RequireSession } from "../../auth/RequireSession";
import { TemplatesScreen } from "./TemplatesScreen";

export function Component() {
  return (
    <RequireSession>
      <TemplatesScreen />
    </RequireSession>
  );
}
