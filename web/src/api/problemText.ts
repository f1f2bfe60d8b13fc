import { ChallengeRefused, CmsProblem, KeyFileError } from "@cms/sdk";

/** A refusal told as a person would: what happened and what to do next. */
export interface PlainProblem {
  title: string;
  detail: string;
  /** Field-level messages keyed by JSON pointer (validation errors). */
  fields: Record<string, string>;
  code: string;
}

// The codes people meet in the contract journey get their own sentence; any other code keeps
// the server's detail, which is already written for people.
const SENTENCES: Record<string, string> = {
  unauthorized: "Your session has ended. Sign in again to continue.",
  forbidden: "Your role does not allow this.",
  identity_suspended: "This identity is suspended. Ask an administrator to reactivate it.",
  party_suspended: "A party to this contract is suspended, so it cannot move on.",
  rate_limited: "Too many requests in a short time. Wait a moment and try again.",
  illegal_transition: "The contract is no longer in a state that allows this. It may have been changed by the other party; reload to see its current state.",
  conflict: "Someone else changed this at the same time. Reload and try again.",
  contract_busy: "The contract is being changed by another request. Try again in a moment.",
  already_signed: "You have already signed this contract.",
  signing_deadline_passed: "The signing deadline has passed.",
  invalid_signature: "The signature does not match your key.",
  challenge_expired: "The sign-in request expired. Start signing in again.",
  challenge_used: "That sign-in request was already used. Start signing in again.",
  validation_error: "Some fields need attention.",
  payload_too_large: "That is larger than the API accepts.",
  attachment_quota_exceeded: "The contract has no room for more attachments.",
  dependency_unavailable: "A service the platform depends on is unavailable. Try again shortly.",
  service_degraded: "The platform is degraded right now. Try again shortly.",
  network_error: "The server could not be reached. Check your connection and try again.",
  not_found: "It does not exist, or you are not allowed to see it.",
  contract_not_found: "This contract does not exist, or you are not a party to it.",
  template_not_found: "That template does not exist.",
  webhook_not_found: "This webhook does not exist, or it is not yours.",
  webhook_limit_reached: "You have as many webhooks as allowed. Delete one to register another.",
  not_yet_valid: "The contract's validity has not started yet.",
  validity_ended: "The contract's validity has ended.",
};

export function plainProblem(error: unknown): PlainProblem {
  if (!(error instanceof CmsProblem)) return clientProblem(error);
  const fields: Record<string, string> = {};
  for (const item of error.errors) fields[item.pointer] = item.message;
  const sentence = SENTENCES[error.code];
  return {
    title: sentence ?? error.title,
    detail: error.detail,
    fields,
    code: error.code,
  };
}

// Refusals that happen in the browser, before or instead of an API call: the SDK's own checks
// and the wallet's answers (EIP-1193 code 4001 is "the user rejected the request").
function clientProblem(error: unknown): PlainProblem {
  // viem's errors carry a one-line shortMessage; their message adds details and its version.
  const { shortMessage } = error as { shortMessage?: unknown };
  const detail = typeof shortMessage === "string" ? shortMessage
    : error instanceof Error ? error.message : String(error);
  if (error instanceof ChallengeRefused) {
    return { title: "The sign-in request was refused: it was not made for this site, so nothing was signed.",
      detail, fields: {}, code: `challenge_refused_${error.reason}` };
  }
  if (error instanceof KeyFileError) {
    const title = error.reason === "passphrase" ? "That passphrase does not unlock this key."
      : "This key file cannot be used.";
    return { title, detail, fields: {}, code: `key_file_${error.reason}` };
  }
  if (error instanceof Error && error.name === "SignerDeclined") {
    return { title: "You cancelled, so nothing was signed.", detail: error.message, fields: {},
      code: "signer_declined" };
  }
  if (isUserRejection(error)) {
    return { title: "You declined the request in your wallet, so nothing was signed.",
      detail: "Try again when you are ready.", fields: {}, code: "user_rejected" };
  }
  return { title: "Something went wrong", detail, fields: {}, code: "client_error" };
}

function isUserRejection(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth += 1) {
    const { code, name, cause: next } = cause as { code?: unknown; name?: unknown; cause?: unknown };
    if (code === 4001 || name === "UserRejectedRequestError") return true;
    cause = next;
  }
  return false;
}
