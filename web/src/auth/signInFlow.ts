import { logout, register, signIn, type CmsApi, type MessageSigner,
  type RegistrableSigner } from "@cms/sdk";
import { forgetDrafts } from "../features/contract-form/useStoredDraft";
import { sessionStore, type Session } from "./sessionStore";
import { unlockedKey } from "./unlockedKey";

/** Registers the DID (the server answers the same when it already is, so a first sign-in
 * needs no special case), signs in and keeps the session in this tab. */
export async function signInAndKeep(client: CmsApi, signer: RegistrableSigner,
  keyKind: Session["keyKind"]): Promise<Session> {
  await register(client, signer.did, signer.publicKey);
  return renewSession(client, signer, keyKind);
}

/** A new token for the same identity, replacing the tab's session. */
export async function renewSession(client: CmsApi, signer: MessageSigner,
  keyKind: Session["keyKind"]): Promise<Session> {
  const signed = await signIn(client, signer);
  const session: Session = { did: signed.did, token: signed.token, expiresAt: signed.expiresAt, keyKind };
  sessionStore.set(session);
  return session;
}

/** Revokes the token, then forgets the session, locks the key and forgets the identity's
 * contract drafts whatever the server said: returns whether the server confirmed the
 * revocation. (The query cache is cleared when the session ends: see useForgetOnIdentityChange.) */
export async function signOut(client: CmsApi): Promise<boolean> {
  const did = sessionStore.get()?.did;
  try {
    await logout(client);
    return true;
  } catch {
    return false;
  } finally {
    sessionStore.clear();
    unlockedKey.lock();
    if (did) forgetDrafts(did);
  }
}
