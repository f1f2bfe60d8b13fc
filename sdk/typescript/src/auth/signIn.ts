import { baseUrlOf, type CmsApi, type Schemas } from "../client";
import { checkChallenge } from "./challenge";

/** Whatever holds a key: signs sign-in texts (EIP-191 personal_sign for Ethereum DIDs, raw
 * Ed25519 over UTF-8 for did:key). The key itself never reaches the SDK. */
export interface MessageSigner {
  did: string;
  signMessage(text: string): Promise<string>;
}

/** A signer that can also name its public key, to register the DID: the Ethereum address, or
 * the Ed25519 public key as hex. */
export interface RegistrableSigner extends MessageSigner {
  publicKey: string;
}

export interface SignedIn {
  token: string;
  /** ISO 8601 instant the token stops working. */
  expiresAt: string;
  did: string;
}

export interface SignInOptions {
  /** The origin the challenge must be bound to. Default: the client's baseUrl origin, or the
   * page's own origin when the client talks to it (baseUrl ""). */
  expectedOrigin?: string;
  /** The clock the challenge's expiry is checked against (tests). */
  now?: () => Date;
}

/** Signs in: asks a challenge, checks it (checkChallenge: refused before the key is asked),
 * signs it and exchanges it for an access token. API refusals are thrown as CmsProblem. */
export async function signIn(client: CmsApi, signer: MessageSigner,
  options: SignInOptions = {}): Promise<SignedIn> {
  const origin = expectedOriginOf(client, options.expectedOrigin);
  const issued = answer(await client.POST("/api/v1/auth/challenge", { body: { did: signer.did } }));
  checkChallenge(issued, { did: signer.did, origin, now: options.now?.() ?? new Date() });
  const signature = await signer.signMessage(issued.challenge);
  const token = answer(await client.POST("/api/v1/auth/verify", {
    body: { did: signer.did, challenge: issued.challenge, signature },
  }));
  return { token: token.token, expiresAt: token.expires_at, did: token.did };
}

/** Registers a DID with its public key. The server answers the same whether the DID was
 * registered now or before, so calling it before every first sign-in is safe. */
export async function register(client: CmsApi, did: string, publicKey: string,
  extra: Partial<Omit<Schemas["RegisterRequest"], "did" | "public_key">> = {}): Promise<Schemas["Registration"]> {
  return answer(await client.POST("/api/v1/auth/register", {
    body: { did, public_key: publicKey, type: "user", ...extra },
  }));
}

/** Revokes the access token the client carries; the API refuses it from then on (within the
 * authorizer's cache time, 5 s). */
export async function logout(client: CmsApi): Promise<void> {
  await client.POST("/api/v1/auth/logout");
}

function expectedOriginOf(client: CmsApi, explicit: string | undefined): string {
  const configured = explicit || baseUrlOf(client);
  if (configured) return new URL(configured).origin;
  const page = (globalThis as { location?: { origin?: string } }).location?.origin;
  if (page && page !== "null") return page;
  throw new TypeError("no origin to check the sign-in challenge against: pass expectedOrigin");
}

// The client throws every non-2xx as a CmsProblem, so a missing body is the API breaking its
// own contract, not a refusal.
function answer<T>(result: { data?: T }): T {
  if (result.data === undefined) throw new TypeError("the API answered without a body");
  return result.data;
}
