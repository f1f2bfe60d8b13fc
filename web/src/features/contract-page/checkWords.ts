/** A verification check's stable name (see VerificationCheck.name) as a sentence. */
export function checkInWords(name: string): string {
  const event = /^(audit_chain\.event|anchor:event)\[(\d+)\]$/.exec(name);
  if (event) {
    return event[1] === "anchor:event" ? `Event ${event[2] ?? ""} is in an anchored Merkle batch`
      : `Event ${event[2] ?? ""} links to the one before it and hashes correctly`;
  }
  if (name.startsWith("signature:")) return `The signature of ${name.slice("signature:".length)} verifies against its DID`;
  if (name.startsWith("snapshot.")) return `The stored contract's ${name.slice("snapshot.".length).replace(/_/g, " ")} matches its history`;
  return FIXED[name] ?? name;
}

const FIXED: Record<string, string> = {
  audit_chain: "The audit trail is an unbroken hash chain",
  "audit_chain.head": "The chain's last event is the contract's recorded head",
  history: "Replaying the history follows the lifecycle rules",
  snapshot: "The stored contract matches its replayed history",
  digest: "The digest is the hash of the content",
  anchoring: "The audit events are anchored on the chain",
  status_slot: "The status recorded on chain matches the contract's",
};
