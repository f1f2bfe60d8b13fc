import { RequireSession } from "../../auth/RequireSession";
import { TemplateScreen } from "./TemplateScreen";

export function Component() {
  return (
    <RequireSession>
      <TemplateScreen />
    </RequireSession>
  );
}
