import type { Schemas } from "@cms/sdk";
import { createContext, useContext } from "react";

export type Eip712TypedData = Schemas["Eip712TypedData"];

/** Whatever holds the signed-in identity's key: a wallet (EIP-191 and EIP-712) or the
 * browser's own Ed25519 key. The key never leaves it; screens ask it to sign. */
export interface SessionSigner {
  did: string;
  kind: "ethereum" | "ed25519";
  /** EIP-191 personal_sign (Ethereum) or raw Ed25519 over UTF-8 (sign-in messages only). */
  signMessage(text: string): Promise<string>;
  /** A contract signature: EIP-712 typed data (Ethereum). */
  signTypedData(typedData: Eip712TypedData): Promise<string>;
  /** A contract signature: the prefixed contract message (Ed25519). */
  signContractMessage(message: string): Promise<string>;
}

/** Gets the session's signer, asking the user to connect the wallet or unlock the key when
 * needed; rejects when the user declines. The sign-in feature provides it. */
export type SignerRequest = () => Promise<SessionSigner>;

export const SignerContext = createContext<SignerRequest>(() =>
  Promise.reject(new Error("no signer: the sign-in feature provides one")));

export function useSigner(): SignerRequest {
  return useContext(SignerContext);
}

/** The user closed the unlock or connect dialog instead of providing the signer. */
export class SignerDeclined extends Error {
  constructor(message = "You cancelled, so nothing was signed.") {
    super(message);
    this.name = "SignerDeclined";
  }
}
