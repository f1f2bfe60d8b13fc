import { useQuery } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { useSession } from "../../auth/sessionStore";
import { CONTRACT_LISTS } from "../../contracts/queries";
import { loadOverview, loadRecentEvents, type Overview } from "./dashboardData";

export function useOverview() {
  const cms = useCms();
  const did = useSession()?.did ?? "";
  return useQuery({
    queryKey: [...CONTRACT_LISTS, "overview", did],
    queryFn: ({ signal }) => loadOverview(cms, did, new Date(), signal),
  });
}

export function useRecentEvents(overview: Overview | undefined) {
  const cms = useCms();
  const recent = overview?.recent ?? [];
  return useQuery({
    queryKey: [...CONTRACT_LISTS, "recent-events", recent.map((c) => `${c.id}@${String(c.version)}`)],
    enabled: overview !== undefined,
    queryFn: ({ signal }) => loadRecentEvents(cms, recent, signal),
  });
}
