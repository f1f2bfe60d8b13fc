import type { paths } from "@cms/sdk";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useCms } from "../../api/cms";

export type IdentityListQuery = NonNullable<paths["/api/v1/identities"]["get"]["parameters"]["query"]>;

export interface IdentityFilters {
  q: string;
  status: "" | NonNullable<IdentityListQuery["status"]>;
  role: "" | NonNullable<IdentityListQuery["role"]>;
}

const STATUSES = ["active", "inactive", "suspended"] as const;
const ROLES = ["admin", "auditor", "enclave"] as const;

/** The filters as the URL carries them (shareable; anything unknown is dropped). */
export function identityFiltersFrom(search: URLSearchParams): IdentityFilters {
  const status = STATUSES.find((value) => value === search.get("status")) ?? "";
  const role = ROLES.find((value) => value === search.get("role")) ?? "";
  return { q: (search.get("q") ?? "").trim().slice(0, 100), status, role };
}

export function searchOf(filters: IdentityFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const key of ["q", "status", "role"] as const) if (filters[key]) search.set(key, filters[key]);
  return search;
}

/** listIdentities, page after page (a page may be short, even empty, and still go on: the API
 * reads a bounded number of identities per page). */
export function useIdentityPages(filters: IdentityFilters) {
  const cms = useCms();
  return useInfiniteQuery({
    queryKey: ["identities", "list", filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const query: IdentityListQuery = { limit: 25 };
      if (filters.q) query.q = filters.q;
      if (filters.status) query.status = filters.status;
      if (filters.role) query.role = filters.role;
      if (pageParam) query.cursor = pageParam;
      const { data } = await cms.GET("/api/v1/identities", { params: { query } });
      return data ?? { items: [], next_cursor: null };
    },
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    retry: false,
  });
}
