import type { Address, Hex } from "viem";
import { didPkhFromAddress } from "../did/ethereum";
import type { RegistrableSigner } from "./signIn";

/** What signs EIP-191 messages for an Ethereum account: a viem account (privateKeyToAccount,
 * a JSON-RPC account's wallet client) or an adapter over a wallet library. */
export interface EthereumAccountLike {
  address: Address;
  signMessage(args: { message: string }): Promise<Hex>;
}

/** A did:pkh:eip155 signer over an Ethereum account; registers with its address. */
export function ethereumSigner(account: EthereumAccountLike, chainId: number): RegistrableSigner {
  return {
    did: didPkhFromAddress(chainId, account.address),
    publicKey: account.address,
    signMessage: (text) => account.signMessage({ message: text }),
  };
}
