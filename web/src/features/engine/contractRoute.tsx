import { useParams } from "react-router";
import { RequireSession } from "../../auth/RequireSession";
import { EngineContractScreen } from "./EngineContractScreen";

export function Component() {
  const { address = "" } = useParams();
  return (
    <RequireSession>
      <EngineContractScreen key={address} address={address} />
    </RequireSession>
  );
}
