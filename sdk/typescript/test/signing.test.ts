import { describe, expect, it, vi } from "vitest";
import {
  contentDigest, contractTypedData, createCmsClient, prepareContractSigning, signContract, signPrepared,
  SigningRefused, verifySigningPayload,
  type ContractSigner, type Schemas,
} from "../src/index";

type Contract = Schemas["Contract"];
type SigningPayload = Schemas["SigningPayload"];

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const PROVIDER = "did:pkh:eip155:31337:0x71C7656EC7ab88b098defB751B7401B5f6d8976F";
const CONSUMER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
// Computed by the server's own code (cms.domain.contracts.content.content_digest) for CONTENT.
const DIGEST = "2f5d70fc18a0327a118ec441b9a072c525fb1964f7a2d2105e2e258c39211b42";
const OTHER_DIGEST = "0".repeat(64);

const CONTENT = {
  title: "Training data licence — ü", description: "DP training",
  provider_did: PROVIDER, consumer_did: CONSUMER,
  terms: { purpose: "training", epsilon: 3.0, price: { amount: 100, cur: "EUR" } },
  metadata: { attachments: [{ name: "a.txt", size: 8 }] },
  valid_from: "2026-01-01T00:00:00.000Z", valid_until: "2036-01-01T00:00:00.000Z",
};

function contract(changes: Partial<Contract> = {}): Contract {
  return {
    id: ID, ...CONTENT, status: "review", digest: DIGEST, content_digest: DIGEST, signatures: [],
    required_signers: [PROVIDER, CONSUMER], pending_signers: [PROVIDER, CONSUMER],
    signing_deadline: "2027-01-01T00:00:00.000Z", created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z", version: 2, head_hash: "1".repeat(64), ...changes,
  } as Contract;
}

// As the server's cms.domain.signatures.contract_signing_payload answered for these inputs.
function ethPayload(): SigningPayload {
  return {
    contract_id: ID, digest: DIGEST, signer_did: PROVIDER, scheme: "eip712",
    typed_data: {
      types: {
        EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" },
          { name: "chainId", type: "uint256" }],
        ContractSignature: [{ name: "contractId", type: "string" }, { name: "digest", type: "bytes32" },
          { name: "signer", type: "string" }],
      },
      primaryType: "ContractSignature",
      domain: { name: "CMS Contract Signature", version: "1", chainId: 31337 },
      message: { contractId: ID, digest: `0x${DIGEST}`, signer: PROVIDER },
    },
  };
}

function edPayload(): SigningPayload {
  return {
    contract_id: ID, digest: DIGEST, signer_did: CONSUMER, scheme: "ed25519-prefixed-digest",
    message: `cms-contract-signature/v1\ncontract:${ID}\ndigest:sha256:${DIGEST}\nsigner:${CONSUMER}`,
  };
}

describe("verifySigningPayload", () => {
  it("accepts the server's own payloads and returns the browser's copies", () => {
    const eth = verifySigningPayload(contract(), ethPayload(), PROVIDER);
    expect(eth).toMatchObject({ ok: true, digest: DIGEST, typedData: ethPayload().typed_data });
    const ed = verifySigningPayload(contract(), edPayload(), CONSUMER);
    expect(ed).toMatchObject({ ok: true, digest: DIGEST, message: edPayload().message });
  });

  it("refuses a contract whose digest is not its content's", () => {
    const check = verifySigningPayload(contract({ digest: OTHER_DIGEST }), ethPayload(), PROVIDER);
    expect(check).toMatchObject({ ok: false, reason: "contract_digest_mismatch", field: "contract.digest",
      expected: DIGEST, received: OTHER_DIGEST });
  });

  it("refuses content changed under an unchanged digest", () => {
    const check = verifySigningPayload(contract({ terms: { purpose: "resale" } }), ethPayload(), PROVIDER);
    expect(check).toMatchObject({ ok: false, reason: "contract_digest_mismatch" });
  });

  it("refuses a tampered payload digest", () => {
    const check = verifySigningPayload(contract(), { ...ethPayload(), digest: OTHER_DIGEST }, PROVIDER);
    expect(check).toMatchObject({ ok: false, reason: "payload_digest_mismatch", received: OTHER_DIGEST });
  });

  it("refuses typed data whose message carries another digest", () => {
    const payload = ethPayload();
    if (!payload.typed_data) throw new Error("fixture");
    payload.typed_data.message.digest = `0x${OTHER_DIGEST}`;
    const check = verifySigningPayload(contract(), payload, PROVIDER);
    expect(check).toMatchObject({ ok: false, reason: "typed_data_mismatch",
      field: "typed_data.message.digest", expected: `0x${DIGEST}`, received: `0x${OTHER_DIGEST}` });
  });

  it("refuses typed data for another contract or with extra types", () => {
    const other = ethPayload();
    if (!other.typed_data) throw new Error("fixture");
    other.typed_data.message.contractId = "00000000-0000-4000-8000-000000000000";
    expect(verifySigningPayload(contract(), other, PROVIDER))
      .toMatchObject({ ok: false, field: "typed_data.message.contractId" });
    const extra = ethPayload();
    if (!extra.typed_data) throw new Error("fixture");
    extra.typed_data.types.ContractSignature.push({ name: "amount", type: "uint256" });
    expect(verifySigningPayload(contract(), extra, PROVIDER))
      .toMatchObject({ ok: false, reason: "typed_data_mismatch", field: "typed_data" });
  });

  it("refuses a payload made for another signer", () => {
    const check = verifySigningPayload(contract(), ethPayload(), "did:pkh:eip155:31337:0x0000000000000000000000000000000000000001");
    expect(check).toMatchObject({ ok: false, reason: "payload_signer_mismatch", received: PROVIDER });
  });

  it("refuses typed data for another chain than the account's", () => {
    const payload = ethPayload();
    if (!payload.typed_data) throw new Error("fixture");
    payload.typed_data.domain.chainId = 1;
    expect(verifySigningPayload(contract(), payload, PROVIDER))
      .toMatchObject({ ok: false, reason: "chain_mismatch", expected: "31337", received: "1" });
    expect(verifySigningPayload(contract(), ethPayload(), PROVIDER, { chainId: 5 }))
      .toMatchObject({ ok: false, reason: "chain_mismatch" });
  });

  it("refuses a tampered Ed25519 message and a switched scheme", () => {
    const message = edPayload().message?.replace(DIGEST, OTHER_DIGEST) ?? null;
    expect(verifySigningPayload(contract(), { ...edPayload(), message }, CONSUMER))
      .toMatchObject({ ok: false, reason: "message_mismatch", field: "message" });
    expect(verifySigningPayload(contract(), { ...ethPayload(), signer_did: CONSUMER }, CONSUMER))
      .toMatchObject({ ok: false, reason: "scheme_mismatch" });
  });

  it("refuses a draft, which has no frozen digest", () => {
    expect(verifySigningPayload(contract({ digest: null, status: "draft" }), ethPayload(), PROVIDER))
      .toMatchObject({ ok: false, reason: "not_frozen" });
  });

  it("refuses malformed typed data without throwing", () => {
    const payload = { ...ethPayload(), typed_data: { message: {} } } as unknown as SigningPayload;
    expect(verifySigningPayload(contract(), payload, PROVIDER)).toMatchObject({ ok: false, reason: "chain_mismatch" });
  });
});

describe("signContract", () => {
  function server(payload: SigningPayload, served: Contract = contract()) {
    const signed: unknown[] = [];
    const fetch = vi.fn((input: RequestInfo | URL) => {
      const request = new Request(input);
      const url = new URL(request.url);
      if (url.pathname.endsWith("/signing-payload")) return Promise.resolve(Response.json(payload));
      if (url.pathname.endsWith("/sign")) {
        return request.json().then((body: unknown) => { signed.push(body); return Response.json(contract({ status: "signed" })); });
      }
      return Promise.resolve(Response.json(served));
    });
    return { client: createCmsClient({ baseUrl: "http://api.test", fetch }), signed, fetch };
  }

  function signer(did: string, kind: ContractSigner["kind"]) {
    return {
      did, kind,
      signTypedData: vi.fn(() => Promise.resolve(`0x${"ab".repeat(65)}`)),
      signContractMessage: vi.fn(() => Promise.resolve("cd".repeat(64))),
    };
  }

  it("signs the rebuilt typed data and submits the signature", async () => {
    const { client, signed } = server(ethPayload());
    const wallet = signer(PROVIDER, "ethereum");
    const result = await signContract(client, ID, wallet);
    expect(result.status).toBe("signed");
    expect(wallet.signTypedData).toHaveBeenCalledWith(ethPayload().typed_data);
    expect(signed).toEqual([{ signature: `0x${"ab".repeat(65)}` }]);
  });

  it("signs the rebuilt Ed25519 message", async () => {
    const { client } = server(edPayload());
    const key = signer(CONSUMER, "ed25519");
    await signContract(client, ID, key);
    expect(key.signContractMessage).toHaveBeenCalledWith(edPayload().message);
  });

  it("never asks the signer when the server altered the digest", async () => {
    const { client, signed } = server({ ...ethPayload(), digest: OTHER_DIGEST });
    const wallet = signer(PROVIDER, "ethereum");
    const attempt = signContract(client, ID, wallet);
    await expect(attempt).rejects.toBeInstanceOf(SigningRefused);
    await expect(attempt).rejects.toMatchObject({ refusal: { reason: "payload_digest_mismatch" } });
    expect(wallet.signTypedData).not.toHaveBeenCalled();
    expect(signed).toEqual([]);
  });

  // A hostile server's other contract: self-consistent (its own digest and payload), with
  // content the user was never shown.
  function otherContract(): Contract {
    const other = contract({ terms: { purpose: "resale to third parties" } });
    const digest = contentDigest(other);
    return { ...other, digest, content_digest: digest };
  }
  function payloadFor(signed: Contract): SigningPayload {
    const digest = signed.digest ?? "";
    return { contract_id: ID, digest, signer_did: PROVIDER, scheme: "eip712",
      typed_data: contractTypedData(ID, digest, PROVIDER, 31337) };
  }

  it("checks the payload against the contract the user saw, not a copy fetched again", async () => {
    const other = otherContract();
    const { client, signed, fetch } = server(payloadFor(other), other);
    const wallet = signer(PROVIDER, "ethereum");
    const prepared = await prepareContractSigning(client, contract(), PROVIDER);
    expect(prepared.check).toMatchObject({ ok: false, reason: "payload_digest_mismatch" });
    expect(fetch.mock.calls.map(([input]) => new Request(input).url)).toEqual(
      [`http://api.test/api/v1/contracts/${ID}/signing-payload`]);
    await expect(signPrepared(client, prepared, wallet, contract())).rejects.toBeInstanceOf(SigningRefused);
    expect(wallet.signTypedData).not.toHaveBeenCalled();
    expect(signed).toEqual([]);
  });

  it("refuses at sign time when the contract shown changed since the review", async () => {
    const { client, signed } = server(ethPayload());
    const wallet = signer(PROVIDER, "ethereum");
    const prepared = await prepareContractSigning(client, contract(), PROVIDER);
    expect(prepared.check.ok).toBe(true);
    const attempt = signPrepared(client, prepared, wallet, otherContract());
    await expect(attempt).rejects.toMatchObject({ refusal: { reason: "contract_changed" } });
    expect(wallet.signTypedData).not.toHaveBeenCalled();
    expect(signed).toEqual([]);
  });

  it("checks again at sign time with the key that signs: another identity's key is refused", async () => {
    const { client, signed } = server(ethPayload());
    const prepared = await prepareContractSigning(client, contract(), PROVIDER);
    const stranger = signer("did:pkh:eip155:31337:0x0000000000000000000000000000000000000001", "ethereum");
    await expect(signPrepared(client, prepared, stranger, contract()))
      .rejects.toMatchObject({ refusal: { reason: "payload_signer_mismatch" } });
    expect(stranger.signTypedData).not.toHaveBeenCalled();
    expect(signed).toEqual([]);
  });

  it("signs, for scripts, the one copy it fetched", async () => {
    const other = otherContract();
    const { client, signed } = server(payloadFor(other), other);
    const wallet = signer(PROVIDER, "ethereum");
    await signContract(client, ID, wallet);
    expect(wallet.signTypedData).toHaveBeenCalledWith(payloadFor(other).typed_data);
    expect(signed).toHaveLength(1);
  });
});
