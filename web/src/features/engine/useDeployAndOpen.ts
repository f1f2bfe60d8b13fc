import { useNavigate } from "react-router";
import { useDeploy, type DeployRequest } from "./queries";

/** Deploy, then open the new contract's page. */
export function useDeployAndOpen(onDeployed?: () => void) {
  const deploy = useDeploy();
  const navigate = useNavigate();
  return {
    ...deploy,
    submit: (request: DeployRequest) => {
      deploy.mutate(request, { onSuccess: (contract) => {
        onDeployed?.();
        void navigate(`/engine/${contract.address}`);
      } });
    },
  };
}
