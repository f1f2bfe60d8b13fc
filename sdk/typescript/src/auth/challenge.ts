import { isAddressEqual } from "viem";
import { parseSiweMessage } from "viem/siwe";
import { CONTRACT_MESSAGE_PREFIX } from "../crypto/contractSignature";
import { ethereumAddressOfDid } from "../did/ethereum";
import { ChallengeRefused } from "./errors";


const SIWE_HEADER_SUFFIX = " wants you to sign in with your Ethereum account:";
const DID_HEADER_SUFFIX = " wants you to sign in with your DID:";

/** What POST /auth/challenge answers. */
export interface IssuedChallenge {
  challenge: string;
  nonce: string;
  expires_at: string;
}

export interface ChallengeExpectations {
  /** The DID signing in. */
  did: string;
  /** The API's origin, e.g. "https://cms.example.com": the text must be bound to it. */
  origin: string;
  now?: Date;
}

/** Refuses (ChallengeRefused) a challenge that is not bound to this DID, this origin and the
 * issued nonce, or that has expired. Checked before the key is asked: a hostile server (or a
 * relay) could otherwise get a signature that signs the user in to another site, or, for an
 * Ed25519 key, a contract signature dressed as a sign-in. */
export function checkChallenge(issued: IssuedChallenge, expected: ChallengeExpectations): void {
  const { challenge } = issued;
  if (challenge.startsWith(CONTRACT_MESSAGE_PREFIX)) {
    throw new ChallengeRefused("contract-message",
      "the server asked to sign a contract-signature message as a sign-in: refused");
  }
  const origin = new URL(expected.origin);
  const address = ethereumAddressOfDid(expected.did);
  const fields = address ? siweFields(challenge, address, origin) : didTextFields(challenge, expected.did);
  const host = origin.host.toLowerCase();
  if (fields.domain.toLowerCase() !== host) {
    throw new ChallengeRefused("domain", `the challenge is for '${fields.domain}', not '${host}'`);
  }
  if (fields.uri.replace(/\/+$/, "").toLowerCase() !== origin.origin.toLowerCase()) {
    throw new ChallengeRefused("uri", `the challenge's URI '${fields.uri}' is not '${origin.origin}'`);
  }
  if (fields.nonce !== issued.nonce) {
    throw new ChallengeRefused("nonce", "the nonce in the challenge text differs from the issued nonce");
  }
  const now = expected.now ?? new Date();
  if (!(fields.expiresAt.getTime() > now.getTime())) {
    throw new ChallengeRefused("expired", `the challenge expired at ${fields.expiresAt.toISOString()}`);
  }
}

interface BoundFields {
  domain: string;
  uri: string;
  nonce: string;
  expiresAt: Date;
}

function siweFields(text: string, address: string, origin: URL): BoundFields {
  if (!text.split("\n", 1)[0]?.endsWith(SIWE_HEADER_SUFFIX)) {
    throw new ChallengeRefused("format", "an Ethereum sign-in challenge must be an EIP-4361 message");
  }
  const message = parseSiweMessage(text);
  const { domain, uri, nonce, expirationTime, version } = message;
  if (!domain || !uri || !nonce || !message.address || version !== "1") {
    throw new ChallengeRefused("format", "the challenge is not a complete EIP-4361 message");
  }
  if (!expirationTime || Number.isNaN(expirationTime.getTime())) {
    // Without one, the signature would sign in whoever holds it, for ever.
    throw new ChallengeRefused("format", "the challenge has no expiration time");
  }
  if (!isAddressEqual(message.address, address as `0x${string}`)) {
    throw new ChallengeRefused("address", `the challenge is for the account ${message.address}, not ${address}`);
  }
  if (message.scheme && `${message.scheme.toLowerCase()}:` !== origin.protocol) {
    throw new ChallengeRefused("uri", `the challenge's scheme '${message.scheme}' is not ${origin.protocol.slice(0, -1)}`);
  }
  return { domain, uri, nonce, expiresAt: expirationTime };
}

// The server's text for other DIDs (cms.services.auth._challenge_text): EIP-4361's layout with
// the DID in place of the address. No library parses it, so it is read here, line by line.
function didTextFields(text: string, did: string): BoundFields {
  const lines = text.split("\n");
  const header = lines[0] ?? "";
  if (!header.endsWith(DID_HEADER_SUFFIX)) {
    throw new ChallengeRefused("format", "the sign-in challenge is in no format this client signs");
  }
  if (lines[1] !== did) {
    throw new ChallengeRefused("did", `the challenge is for '${lines[1] ?? ""}', not '${did}'`);
  }
  const expiresAt = new Date(field(lines, "Expiration Time: "));
  if (Number.isNaN(expiresAt.getTime())) {
    throw new ChallengeRefused("format", "the challenge's expiration time is not a date");
  }
  return {
    domain: header.slice(0, -DID_HEADER_SUFFIX.length),
    uri: field(lines, "URI: "),
    nonce: field(lines, "Nonce: "),
    expiresAt,
  };
}

function field(lines: string[], label: string): string {
  const values = lines.filter((line) => line.startsWith(label)).map((line) => line.slice(label.length));
  if (values.length !== 1 || values[0] === undefined) {
    throw new ChallengeRefused("format", `the challenge must have exactly one '${label.trim()}' line`);
  }
  return values[0];
}
