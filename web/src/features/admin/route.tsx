import { RequireSession } from "../../auth/RequireSession";
import { IdentitiesScreen } from "./IdentitiesScreen";

/** /admin/identities: the admins' list of identities. */
export function Component() {
  return <RequireSession><IdentitiesScreen /></RequireSession>;
}
