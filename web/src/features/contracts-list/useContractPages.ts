import { useInfiniteQuery } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { CONTRACT_LISTS } from "../../contracts/queries";
import { apiQuery, type ListFilters } from "./listQuery";

/** The contracts matching the filters, page by page through the API's cursor. */
export function useContractPages(filters: ListFilters) {
  const cms = useCms();
  return useInfiniteQuery({
    queryKey: [...CONTRACT_LISTS, "list", filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => {
      const { data } = await cms.GET("/api/v1/contracts", { params: { query: apiQuery(filters, pageParam) }, signal });
      return data ?? { items: [], next_cursor: null };
    },
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
