import { RequireSession } from "../../auth/RequireSession";
import { EngineHome } from "./EngineHome";

export function Component() {
  return (
    <RequireSession>
      <EngineHome />
    </RequireSession>
  );
}
