import { RequireSession } from "../../auth/RequireSession";
import { LedgerScreen } from "./LedgerScreen";

// Any signed-in identity may read the ledger's status (GET /ledger/status asks for a token and
// no role), so the screen and its navigation entry are for everyone signed in.
export function Component() {
  return (
    <RequireSession>
      <LedgerScreen />
    </RequireSession>
  );
}
