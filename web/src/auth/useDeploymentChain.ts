import { useQuery } from "@tanstack/react-query";
import { useCms } from "../api/cms";

/** The chain this deployment anchors on: a wallet's DID is did:pkh on it, whatever network
 * the wallet happens to show, so one account is one identity here. null while unknown or
 * when the deployment anchors on no chain (then the wallet's chain is taken). */
export function useDeploymentChainId(): { chainId: number | null; loading: boolean } {
  const cms = useCms();
  const query = useQuery({
    queryKey: ["health", "chain"],
    queryFn: async () => (await cms.GET("/health/chain")).data?.chain_id ?? null,
    staleTime: Infinity,
  });
  return { chainId: query.data ?? null, loading: query.isPending };
}
