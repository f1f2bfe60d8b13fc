import { chainIdOfDid, type Ed25519Key } from "@cms/sdk";
import { lazy, Suspense, useCallback, useRef, useState, type ReactNode } from "react";
import { useForgetOnIdentityChange } from "./forgetOnIdentityChange";
import { sessionStore } from "./sessionStore";
import { SessionKeeper } from "./SessionKeeper";
import { SignerContext, SignerDeclined, type SessionSigner, type SignerRequest } from "./signer";
import { unlockedKey } from "./unlockedKey";

// The key and wallet code load when something must be signed, not with every screen.
const ConnectWalletDialog = lazy(() => import("./wallet/ConnectWalletDialog"));
const UnlockKeyDialog = lazy(() => import("./UnlockKeyDialog"));

type Prompt =
  | { kind: "unlock"; did: string; resolve: (key: Ed25519Key) => void }
  | { kind: "wallet"; did: string; resolve: (signer: SessionSigner) => void };

/** Gives screens the session's signer (useSigner): the unlocked browser key, or the connected
 * wallet; asks the user to unlock or connect when needed, and rejects with SignerDeclined
 * when they cancel. Also keeps the session renewed (SessionKeeper), and forgets the cached
 * queries when the identity changes. */
export function SignerProvider({ children }: { children: ReactNode }) {
  useForgetOnIdentityChange();
  const [prompt, setPrompt] = useState<Prompt | null>(null);
  const decline = useRef<(() => void) | null>(null);

  const ask = useCallback(<T,>(make: (resolve: (value: T) => void) => Prompt) =>
    new Promise<T>((resolve, reject) => {
      decline.current?.(); // One dialog at a time: an older request is declined.
      decline.current = () => { reject(new SignerDeclined()); };
      setPrompt(make((value) => { decline.current = null; setPrompt(null); resolve(value); }));
    }), []);

  const request = useCallback<SignerRequest>(async () => {
    const session = sessionStore.get();
    if (!session) throw new SignerDeclined("Sign in first.");
    const { did } = session;
    if (session.keyKind === "ed25519") {
      const key = unlockedKey.of(did)
        ?? await ask<Ed25519Key>((resolve) => ({ kind: "unlock", did, resolve }));
      return (await import("./browserKey")).browserKeySigner(key);
    }
    const wallet = await import("./wallet/wallet");
    const connected = await wallet.connectedSessionSigner(wallet.walletConfig(chainIdOfDid(did) ?? 1), did);
    return connected ?? ask<SessionSigner>((resolve) => ({ kind: "wallet", did, resolve }));
  }, [ask]);

  const cancel = () => { decline.current?.(); decline.current = null; setPrompt(null); };

  return (
    <SignerContext.Provider value={request}>
      {children}
      <SessionKeeper />
      <Suspense fallback={null}>
        {prompt?.kind === "unlock" && (
          <UnlockKeyDialog did={prompt.did} onUnlocked={prompt.resolve} onCancel={cancel} />
        )}
        {prompt?.kind === "wallet" && (
          <ConnectWalletDialog did={prompt.did} onConnected={prompt.resolve} onCancel={cancel} />
        )}
      </Suspense>
    </SignerContext.Provider>
  );
}
