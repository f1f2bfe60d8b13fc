import type { RegistrableSigner } from "@cms/sdk";
import { useCallback } from "react";
import { useLocation, useNavigate } from "react-router";
import { useCms } from "../../api/cms";
import type { Session } from "../../auth/sessionStore";
import { signInAndKeep } from "../../auth/signInFlow";
import { nextPath } from "./nextPath";

/** Signs in with a signer (registering its DID first) and goes where the user was going. */
export function useSignInAndContinue(): (signer: RegistrableSigner, kind: Session["keyKind"]) => Promise<void> {
  const cms = useCms();
  const navigate = useNavigate();
  const { search } = useLocation();
  return useCallback(async (signer, kind) => {
    await signInAndKeep(cms, signer, kind);
    localStorage.setItem(LAST_METHOD_KEY, kind);
    await navigate(nextPath(search), { replace: true });
  }, [cms, navigate, search]);
}

/** The sign-in method this browser used last: the screen opens on it. */
export const LAST_METHOD_KEY = "cms.signInMethod";
