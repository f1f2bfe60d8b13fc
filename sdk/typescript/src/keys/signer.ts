import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { CONTRACT_MESSAGE_PREFIX } from "../crypto/contractSignature";
import { ChallengeRefused } from "../auth/errors";
import type { RegistrableSigner } from "../auth/signIn";
import type { Ed25519Key } from "./ed25519";

/** An Ed25519 did:key signer: sign-in texts with signMessage, contract messages with
 * signContractMessage, and never one as the other. */
export interface Ed25519Signer extends RegistrableSigner {
  signContractMessage(message: string): Promise<string>;
}

export function ed25519Signer(key: Ed25519Key): Ed25519Signer {
  const signText = async (text: string) => bytesToHex(await key.sign(utf8ToBytes(text)));
  return {
    did: key.did,
    publicKey: key.publicKeyHex,
    signMessage(text) {
      // A server that issued a contract message as a sign-in challenge would otherwise get a
      // contract signature (as client/cms_client/signers.py refuses too).
      if (text.startsWith(CONTRACT_MESSAGE_PREFIX)) {
        return Promise.reject(new ChallengeRefused("contract-message",
          "refusing to sign a contract-signature message as a sign-in message"));
      }
      return signText(text);
    },
    signContractMessage(message) {
      if (!message.startsWith(CONTRACT_MESSAGE_PREFIX)) {
        return Promise.reject(new TypeError("a contract message must start with the contract-signature prefix"));
      }
      return signText(message);
    },
  };
}
