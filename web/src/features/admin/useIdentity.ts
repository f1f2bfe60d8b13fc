import type { components } from "@cms/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCms } from "../../api/cms";

type IdentityChange = components["schemas"]["IdentityChange"];

/** One identity as an admin (or auditor) reads it. */
export function useIdentity(did: string) {
  const cms = useCms();
  return useQuery({
    queryKey: ["identities", did],
    queryFn: async () => (await cms.GET("/api/v1/identities/{did}", { params: { path: { did } } })).data ?? null,
    retry: false,
  });
}

/** Its hash-chained audit events (registration, keys, changes), newest first on screen. */
export function useIdentityEvents(did: string) {
  const cms = useCms();
  return useQuery({
    queryKey: ["identities", did, "events"],
    queryFn: async () => (await cms.GET("/api/v1/identities/{did}/events", { params: { path: { did } } })).data ?? null,
    retry: false,
  });
}

/** administerIdentity: the answer replaces the cached identity; its events and the list are
 * read again (the change added an event and may move it between statuses). */
export function useAdministerIdentity(did: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (change: IdentityChange) =>
      (await cms.PATCH("/api/v1/identities/{did}", { params: { path: { did } }, body: change })).data,
    onSuccess: (identity) => {
      if (identity) queryClient.setQueryData(["identities", did], identity);
      void queryClient.invalidateQueries({ queryKey: ["identities", did, "events"] });
      void queryClient.invalidateQueries({ queryKey: ["identities", "list"] });
    },
  });
}
