// The wallet code (wagmi, its EIP-6963 discovery and the injected connector): a chunk of its own,
// loaded only when someone chooses a wallet or a wallet session must sign.
import { didPkhFromAddress, ethereumAddressOfDid, type RegistrableSigner } from "@cms/sdk";
import { defineChain, isAddressEqual, type Address, type TypedData } from "viem";
import { createConfig, http, type Config } from "wagmi";
import { connect, getConnection, reconnect, signMessage, signTypedData } from "wagmi/actions";
import { injected } from "wagmi/connectors";
import type { Eip712TypedData, SessionSigner } from "../signer";
import type { DiscoveredWallet } from "./discovery";

let config: Config | undefined;

/** One wagmi config per page: the deployment's chain (one deployment anchors on one chain,
 * so the first caller's stands), the generic injected connector and one per wallet announced
 * over EIP-6963 (MetaMask, Rabby, ...). */
export function walletConfig(chainId: number, rpcUrl = "http://127.0.0.1:8545"): Config {
  config ??= createConfig({
    chains: [defineChain({
      id: chainId, name: `Chain ${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [rpcUrl] } },
    })],
    connectors: [injected()],
    multiInjectedProviderDiscovery: true,
    transports: { [chainId]: http() },
  });
  return config;
}

/** Asks a discovered wallet to connect, through wagmi's injected connector aimed at it (its
 * id the wallet's rdns, as wagmi's own discovery names it, so a reload reconnects it); the
 * account it chose, and the DID on the deployment's chain (or the wallet's, when the
 * deployment anchors on none). */
export async function connectWallet(wagmi: Config, wallet: DiscoveredWallet,
  deploymentChainId: number | null): Promise<RegistrableSigner & { address: Address }> {
  const { info, provider } = wallet;
  const connected = getConnection(wagmi);
  const result = connected.connector?.id === info.rdns && connected.address
    ? { accounts: [connected.address] as const, chainId: connected.chainId ?? 1 }
    : await connect(wagmi, { connector: injected({
      target: { id: info.rdns, name: info.name, icon: info.icon, provider },
    }) });
  const [address] = result.accounts;
  return { ...walletMessageSigner(wagmi, address, deploymentChainId ?? result.chainId), address };
}

/** The signed-in wallet's signer, when the wallet is (or silently reconnects as) the DID's
 * account; null when the user must connect it again. */
export async function connectedSessionSigner(wagmi: Config, did: string): Promise<SessionSigner | null> {
  const address = ethereumAddressOfDid(did);
  if (!address) return null;
  if (!isConnectedAs(wagmi, address)) await reconnect(wagmi).catch(() => undefined);
  if (!isConnectedAs(wagmi, address)) return null;
  return walletSessionSigner(wagmi, did, address);
}

export function walletSessionSigner(wagmi: Config, did: string, address: Address): SessionSigner {
  return {
    did,
    kind: "ethereum",
    signMessage: (text) => signMessage(wagmi, { account: address, message: text }),
    signTypedData: (typedData: Eip712TypedData) => {
      // The server's types (EIP712Domain included) go to the wallet as they are: what the user
      // is shown must be what the API will check. Widened so viem does not re-derive them.
      const types: TypedData = typedData.types;
      const message: Record<string, unknown> = typedData.message;
      return signTypedData(wagmi, { account: address, domain: typedData.domain,
        primaryType: typedData.primaryType, types, message });
    },
    signContractMessage: () => Promise.reject(new Error("a wallet signs EIP-712 typed data, not Ed25519 contract messages")),
  };
}

function walletMessageSigner(wagmi: Config, address: Address, chainId: number): RegistrableSigner {
  return {
    did: didPkhFromAddress(chainId, address),
    publicKey: address,
    signMessage: (text) => signMessage(wagmi, { account: address, message: text }),
  };
}

function isConnectedAs(wagmi: Config, address: Address): boolean {
  const connection = getConnection(wagmi);
  return connection.status === "connected" && isAddressEqual(connection.address, address);
}
