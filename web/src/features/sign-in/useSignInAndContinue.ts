import type { Ed25519Key, RegistrableSigner } from "@cms/sdk";
import { useCallback, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { useCms } from "../../api/cms";
import { browserKeySigner } from "../../auth/browserKey";
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

/** Signs in with a browser Ed25519 key got by `getKey` (made, unlocked or imported), keeping
 * the attempt's state for the form that asked: busy while it runs, the failure if it failed. */
export function useBrowserKeySignIn() {
  const signInAndContinue = useSignInAndContinue();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const signIn = useCallback(async (getKey: () => Promise<Ed25519Key>) => {
    setBusy(true);
    setError(null);
    try {
      const key = await getKey();
      await signInAndContinue({ ...browserKeySigner(key), publicKey: key.publicKeyHex }, "ed25519");
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }, [signInAndContinue]);
  // `fail` shows another of the form's failures (an export) in the same place.
  return { busy, error, signIn, fail: setError };
}
