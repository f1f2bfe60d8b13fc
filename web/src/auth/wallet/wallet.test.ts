import { didPkhFromAddress } from "@cms/sdk";
import { recoverMessageAddress, verifyTypedData, type EIP1193Provider, type TypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import type { Eip712TypedData } from "../signer";
import { discoveredWallets } from "./discovery";
import { connectedSessionSigner, connectWallet, walletConfig } from "./wallet";

const account = privateKeyToAccount("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
const CHAIN = 31337;

/** An EIP-1193 wallet announced over EIP-6963, as tests/browser/wallet.js is, signing with a
 * viem account; it reports no account until asked to connect. */
function announceWallet(): void {
  let connected = false;
  const provider = {
    request: async ({ method, params }: { method: string; params?: unknown[] }) => {
      const args = params ?? [];
      switch (method) {
        case "eth_chainId": return `0x${CHAIN.toString(16)}`;
        case "eth_accounts": return connected ? [account.address] : [];
        case "eth_requestAccounts": connected = true; return [account.address];
        case "personal_sign": return account.signMessage({ message: { raw: args[0] as `0x${string}` } });
        case "eth_signTypedData_v4": return account.signTypedData(JSON.parse(args[1] as string) as Parameters<typeof account.signTypedData>[0]);
        default: throw Object.assign(new Error(`unsupported ${method}`), { code: 4200 });
      }
    },
    on: () => provider,
    removeListener: () => provider,
  } as unknown as EIP1193Provider;
  const detail = { info: { uuid: "8a0f5a3e-1d2b-4c5d-9e6f-7a8b9c0d1e2f", name: "Vitest Wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E", rdns: "dev.cms.vitest" }, provider };
  window.addEventListener("eip6963:requestProvider", () => {
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  });
}

describe("the wallet through wagmi", () => {
  it("discovers the wallet, signs in as did:pkh and signs the server's EIP-712 data unchanged", async () => {
    announceWallet();
    const wagmi = walletConfig(CHAIN);
    const wallet = discoveredWallets().find((detail) => detail.info.name === "Vitest Wallet");
    if (!wallet) throw new Error("the EIP-6963 wallet was not discovered");

    const signer = await connectWallet(wagmi, wallet, CHAIN);
    const did = didPkhFromAddress(CHAIN, account.address);
    expect(signer).toMatchObject({ did, publicKey: account.address, address: account.address });
    const signature = await signer.signMessage("localhost wants you to sign in");
    expect(await recoverMessageAddress({ message: "localhost wants you to sign in", signature: signature as `0x${string}` }))
      .toBe(account.address);

    const session = await connectedSessionSigner(wagmi, did);
    if (!session) throw new Error("the connected wallet gave no session signer");
    // As GET /contracts/{id}/signing-payload sends it (cms.domain.signatures).
    const typedData: Eip712TypedData = {
      types: {
        EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" },
          { name: "chainId", type: "uint256" }],
        ContractSignature: [{ name: "contractId", type: "string" }, { name: "digest", type: "bytes32" },
          { name: "signer", type: "string" }],
      },
      primaryType: "ContractSignature",
      domain: { name: "CMS Contract Signature", version: "1", chainId: CHAIN },
      message: { contractId: "c-1", digest: `0x${"ab".repeat(32)}`, signer: did },
    };
    const contractSignature = await session.signTypedData(typedData);
    const types: TypedData = typedData.types;
    const message: Record<string, unknown> = typedData.message;
    expect(await verifyTypedData({ domain: typedData.domain, types, primaryType: typedData.primaryType,
      message, address: account.address, signature: contractSignature as `0x${string}` })).toBe(true);
    expect(await connectedSessionSigner(wagmi, didPkhFromAddress(CHAIN, `0x${"11".repeat(20)}`))).toBeNull();
  });
});
