// Used by tests/e2e/test_typescript_sdk.py: the SDK against a running local stack, as a Node
// program would use it. Prints one JSON object of what happened; the test asserts on it.
// Usage: tsx scripts/e2e-sign-in.ts <api base URL> <seconds the authorizer may cache a token>
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { CmsProblem, createCmsClient, ed25519KeyFromSeed, ed25519Signer, ethereumSigner, logout,
  newEd25519Seed, register, signIn, type CmsApi, type RegistrableSigner } from "../src/index";

const [baseUrl, cacheSeconds] = process.argv.slice(2);
if (!baseUrl || !cacheSeconds) throw new Error("usage: e2e-sign-in.ts <base URL> <cache seconds>");

async function problemOf(call: Promise<unknown>): Promise<{ code: string; status: number } | string> {
  try {
    await call;
    return "no error";
  } catch (error) {
    return error instanceof CmsProblem ? { code: error.code, status: error.status } : String(error);
  }
}

async function journey(signer: RegistrableSigner) {
  let token: string | undefined;
  const client: CmsApi = createCmsClient({ baseUrl: baseUrl!, token: () => token });
  const registration = await register(client, signer.did, signer.publicKey);
  const signedIn = await signIn(client, signer);
  token = signedIn.token;
  const { data: me } = await client.GET("/api/v1/identities/me");
  const missing = await problemOf(client.GET("/api/v1/contracts/{contract_id}", {
    params: { path: { contract_id: "00000000-0000-4000-8000-000000000000" } } }));
  await logout(client);
  await new Promise((resolve) => setTimeout(resolve, (Number(cacheSeconds) + 1) * 1000));
  const afterLogout = await problemOf(client.GET("/api/v1/identities/me"));
  return { did: signer.did, registered: registration.did, signedInAs: signedIn.did,
    expiresAt: signedIn.expiresAt, me: me?.did, missing, afterLogout };
}

const ed25519 = ed25519Signer(await ed25519KeyFromSeed(newEd25519Seed()));
const ethereum = ethereumSigner(privateKeyToAccount(generatePrivateKey()), 31337);
const anonymous = createCmsClient({ baseUrl });
const results = {
  ed25519: await journey(ed25519),
  ethereum: await journey(ethereum),
  // A DID with another key's public key: a typed refusal from the API.
  keyMismatch: await problemOf(register(anonymous, ed25519.did, ethereum.publicKey)),
};
console.log(JSON.stringify(results));
