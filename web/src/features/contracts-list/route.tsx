import { RequireSession } from "../../auth/RequireSession";
import { ContractsScreen } from "./ContractsScreen";

export function Component() {
  return (
    <RequireSession>
      <ContractsScreen />
    </RequireSession>
  );
}
