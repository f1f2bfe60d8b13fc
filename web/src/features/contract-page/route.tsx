import { useParams } from "react-router";
import { RequireSession } from "../../auth/RequireSession";
import { ContractPage } from "./ContractPage";

export function Component() {
  const { id = "" } = useParams();
  return (
    <RequireSession>
      <ContractPage id={id} />
    </RequireSession>
  );
}
