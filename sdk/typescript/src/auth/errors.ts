/** Why the SDK refused to sign a sign-in challenge: the server (or something between it and
 * the user) sent a text that would sign the user in elsewhere, or sign something else. */
export type ChallengeRefusalReason =
  | "format" | "address" | "did" | "domain" | "uri" | "nonce" | "expired" | "contract-message";

/** A refused challenge: nothing was signed. Problems the API reports stay CmsProblem; this is
 * the client's own refusal, before the key is asked. */
export class ChallengeRefused extends Error {
  readonly reason: ChallengeRefusalReason;

  constructor(reason: ChallengeRefusalReason, message: string) {
    super(message);
    this.name = "ChallengeRefused";
    this.reason = reason;
  }
}
