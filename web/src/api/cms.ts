import { createCmsClient, type CmsApi } from "@cms/sdk";
import { useMemo } from "react";
import { sessionStore } from "../auth/sessionStore";
import { useRuntimeConfig } from "./runtimeConfigContext";

/** The SDK client for this deployment, carrying the tab's token. A 401 on a signed request
 * ends the session, which sends the user to sign-in and back (see RequireSession). */
export function useCms(): CmsApi {
  const { apiUrl } = useRuntimeConfig();
  return useMemo(() => createCmsClient({
    baseUrl: apiUrl,
    token: sessionStore.token,
    onUnauthorized: () => { sessionStore.end(); },
  }), [apiUrl]);
}
