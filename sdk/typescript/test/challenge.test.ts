import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { describe, expect, it, vi } from "vitest";
import { ChallengeRefused, CONTRACT_MESSAGE_PREFIX, checkChallenge, createCmsClient,
  didPkhFromAddress, ethereumSigner, signIn, type IssuedChallenge } from "../src/index";

const ORIGIN = "http://localhost:8080";
const NOW = new Date("2026-01-01T00:01:00Z");
const NONCE = "0123456789abcdef0123456789abcdef";
const account = privateKeyToAccount("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
const ETH_DID = didPkhFromAddress(31337, account.address);
const KEY_DID = "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw";

type SiweFields = Parameters<typeof createSiweMessage>[0];

/** What the server issues for an Ethereum DID, with any field changed. */
function siwe(changes: Partial<SiweFields> = {}): IssuedChallenge {
  const challenge = createSiweMessage({
    domain: "localhost:8080", address: account.address, uri: ORIGIN, version: "1",
    chainId: 31337, nonce: NONCE, statement: "Sign in to the Contract Management System.",
    issuedAt: new Date("2026-01-01T00:00:00Z"), expirationTime: new Date("2026-01-01T00:05:00Z"),
    ...changes,
  });
  return { challenge, nonce: NONCE, expires_at: "2026-01-01T00:05:00Z" };
}

/** What the server issues for other DIDs (cms.services.auth._challenge_text). */
function didText(changes: { domain?: string; did?: string; uri?: string; nonce?: string;
  expires?: string } = {}): IssuedChallenge {
  const { domain = "localhost:8080", did = KEY_DID, uri = ORIGIN, nonce = NONCE,
    expires = "2026-01-01T00:05:00Z" } = changes;
  const challenge = `${domain} wants you to sign in with your DID:\n${did}\n\nSign in to the `
    + `Contract Management System.\n\nURI: ${uri}\nVersion: 1\nNonce: ${nonce}\n`
    + `Issued At: 2026-01-01T00:00:00Z\nExpiration Time: ${expires}`;
  return { challenge, nonce: NONCE, expires_at: expires };
}

function refusal(issued: IssuedChallenge, did: string): string | undefined {
  try {
    checkChallenge(issued, { did, origin: ORIGIN, now: NOW });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ChallengeRefused);
    return (error as ChallengeRefused).reason;
  }
}

describe("an Ethereum sign-in challenge (EIP-4361)", () => {
  it("is accepted when bound to this account, origin and nonce, and not expired", () => {
    expect(refusal(siwe(), ETH_DID)).toBeUndefined();
  });

  it.each([
    ["another account", { address: privateKeyToAccount(`0x${"11".repeat(32)}`).address }, "address"],
    ["another domain", { domain: "evil.example" }, "domain"],
    ["another port", { domain: "localhost:9090" }, "domain"],
    ["another URI", { uri: "https://evil.example" }, "uri"],
    ["another scheme", { scheme: "https" }, "uri"],
    ["a foreign nonce", { nonce: "ffffffffffffffffffffffffffffffff" }, "nonce"],
    ["an expiry passed", { expirationTime: new Date("2026-01-01T00:00:30Z") }, "expired"],
    ["no expiry", { expirationTime: undefined }, "format"],
  ] as const)("is refused for %s", (_name, changes, reason) => {
    expect(refusal(siwe(changes), ETH_DID)).toBe(reason);
  });

  it("is refused when it is the other DIDs' text rather than EIP-4361", () => {
    expect(refusal(didText({ did: ETH_DID }), ETH_DID)).toBe("format");
  });

  it("is refused when it is a contract-signature message", () => {
    expect(refusal({ ...siwe(), challenge: `${CONTRACT_MESSAGE_PREFIX}${siwe().challenge}` }, ETH_DID))
      .toBe("contract-message");
  });
});

describe("an Ed25519 sign-in challenge", () => {
  it("is accepted when bound to this DID, origin and nonce, and not expired", () => {
    expect(refusal(didText(), KEY_DID)).toBeUndefined();
  });

  it.each([
    ["another DID", { did: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK" }, "did"],
    ["another domain", { domain: "evil.example" }, "domain"],
    ["another URI", { uri: "http://localhost:8080.evil.example" }, "uri"],
    ["a foreign nonce", { nonce: "ffffffffffffffffffffffffffffffff" }, "nonce"],
    ["an expiry passed", { expires: "2026-01-01T00:00:59Z" }, "expired"],
    ["an expiry that is no date", { expires: "soon" }, "format"],
  ] as const)("is refused for %s", (_name, changes, reason) => {
    expect(refusal(didText(changes), KEY_DID)).toBe(reason);
  });

  it("is refused when it starts with the contract-signature prefix", () => {
    const forged = { ...didText(), challenge: `${CONTRACT_MESSAGE_PREFIX}${didText().challenge}` };
    expect(refusal(forged, KEY_DID)).toBe("contract-message");
  });

  it("is refused when a field appears twice (which would the server mean?)", () => {
    const issued = didText();
    expect(refusal({ ...issued, challenge: `${issued.challenge}\nNonce: ${NONCE}` }, KEY_DID)).toBe("format");
  });

  it("is refused when it is EIP-4361 (an Ethereum text)", () => {
    expect(refusal(siwe(), KEY_DID)).toBe("format");
  });
});

describe("signIn", () => {
  /** An API that answers the challenge and verification with fixed bodies. */
  function api(issued: IssuedChallenge) {
    const calls: { path: string; body: unknown }[] = [];
    // openapi-fetch always calls fetch with a Request.
    const fetch = (async (request: Request) => {
      const path = new URL(request.url).pathname;
      calls.push({ path, body: await request.json() as unknown });
      const body = path.endsWith("/challenge") ? issued
        : { token: "t", token_type: "Bearer", expires_at: "2026-01-01T00:16:00Z", did: ETH_DID };
      return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
    }) as typeof globalThis.fetch;
    return { client: createCmsClient({ baseUrl: ORIGIN, fetch }), calls };
  }

  it("signs a challenge bound to the client's origin and returns the token", async () => {
    const { client, calls } = api(siwe());
    const signer = ethereumSigner(account, 31337);
    const signed = await signIn(client, signer, { now: () => NOW });
    expect(signed).toEqual({ token: "t", expiresAt: "2026-01-01T00:16:00Z", did: ETH_DID });
    const verify = calls[1]?.body as { signature: string; challenge: string };
    expect(verify.challenge).toBe(siwe().challenge);
    expect(verify.signature).toBe(await account.signMessage({ message: siwe().challenge }));
  });

  it("never asks the key when the challenge is for another origin", async () => {
    const { client, calls } = api(siwe());
    const signMessage = vi.fn(() => Promise.resolve("0x" as const));
    await expect(signIn(client, { did: ETH_DID, signMessage }, {
      expectedOrigin: "https://cms.example.com", now: () => NOW,
    })).rejects.toMatchObject({ name: "ChallengeRefused", reason: "domain" });
    expect(signMessage).not.toHaveBeenCalled();
    expect(calls.map((call) => call.path)).toEqual(["/api/v1/auth/challenge"]);
  });
});
