import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { sessionStore } from "./sessionStore";

/** Empties the query cache when the session ends or another identity signs in, so that no
 * identity sees what the one before it read (contracts, lists, events) in this tab. */
export function useForgetOnIdentityChange(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    let did = sessionStore.get()?.did ?? null;
    return sessionStore.subscribe(() => {
      const next = sessionStore.get()?.did ?? null;
      if (next !== did) queryClient.clear();
      did = next;
    });
  }, [queryClient]);
}
