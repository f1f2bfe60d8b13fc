import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import type { components } from "@cms/sdk";
import { useCms } from "../api/cms";
import { useSession } from "./sessionStore";

export type Identity = components["schemas"]["Identity"];
export type AssignableRole = Identity["roles"][number];

/** The signed-in identity as the API knows it (roles, status, keys); one cache entry per DID. */
export function useMe(): UseQueryResult<Identity | null> {
  const cms = useCms();
  const session = useSession();
  return useQuery({
    queryKey: ["identities", "me", session?.did],
    queryFn: async () => (await cms.GET("/api/v1/identities/me")).data ?? null,
    enabled: Boolean(session),
    staleTime: 60_000,
  });
}

/** Whether the signed-in identity holds one of `roles`. The UI hides what the caller may not
 * do; the API still decides every request. */
export function useHasRole(...roles: AssignableRole[]): boolean {
  const me = useMe();
  return Boolean(me.data?.roles.some((role) => roles.includes(role)));
}
