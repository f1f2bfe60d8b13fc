/**
 * Each named check of the receipt verifier in words, and the part of the receipt it judges:
 * what the page shows next to a check, and how it names what was tampered with.
 */
import type { Check } from "@cms/sdk";

interface Described { what: string; part: string }

const FIXED: Record<string, Described> = {
  format: { what: "The file is a cms-receipt/v1 document, byte for byte as issued", part: "the file itself" },
  "ledger.trusted": { what: "The receipt names the ledger you trust", part: "the ledger the receipt names" },
  audit_chain: { what: "Every event's hash and link to the one before are intact", part: "the event history" },
  history: { what: "The events form a legal lifecycle (who did what, in which state)", part: "the event history" },
  contract: { what: "The contract is exactly the replay of its events", part: "the contract" },
  digest: { what: "The contract's content hashes to the digest the parties signed", part: "the contract's content" },
  ledger: { what: "The chain could be read through the RPC URL", part: "the chain connection" },
  "ledger.chain": { what: "The RPC URL serves the receipt's chain", part: "the receipt's chain" },
  "ledger.code": { what: "The ledger contract's code is at the ledger address", part: "the ledger address" },
  anchoring: { what: "Every event proves to a root anchored on the chain", part: "the anchoring" },
  status_slot: { what: "The chain's record of the contract's state matches the receipt", part: "the contract's latest state" },
  verifier: { what: "The receipt could be checked at all", part: "the file itself" },
};

const PATTERNS: [RegExp, (match: RegExpExecArray) => Described][] = [
  [/^audit_chain\.event\[(\d+)\]$/, (m) => ({ what: `Event ${m[1] ?? ""}'s hash and link are intact`, part: `event ${m[1] ?? ""} of the history` })],
  [/^contract\.(.+)$/, (m) => ({ what: `The contract's field "${m[1] ?? ""}" is what the events say`, part: `the contract's field "${m[1] ?? ""}"` })],
  [/^signature:(.+)$/, (m) => ({ what: `The signature of ${m[1] ?? ""} verifies with the key recorded for it`, part: `the signature of ${m[1] ?? ""}` })],
  [/^batch\[(\d+)\]$/, (m) => ({ what: `Batch ${m[1] ?? ""}'s root, transaction and block are on the chain`, part: `anchoring batch ${m[1] ?? ""}` })],
  [/^anchor:event\[(\d+)\]$/, (m) => ({ what: `Event ${m[1] ?? ""}'s Merkle proof leads to the on-chain root`, part: `the Merkle proof of event ${m[1] ?? ""}` })],
];

export function describeCheck(name: string): Described {
  const fixed = FIXED[name];
  if (fixed) return fixed;
  for (const [pattern, describe] of PATTERNS) {
    const match = pattern.exec(name);
    if (match) return describe(match);
  }
  return { what: name, part: name };
}

// Summaries only restate their detailed checks: the tampered parts are the detailed ones.
const SUMMARIES = new Set(["audit_chain", "anchoring"]);

/** The parts of the receipt that failed their checks, most specific first, without repeats. */
export function tamperedParts(checks: Check[]): string[] {
  const failed = checks.filter((check) => !check.ok);
  const specific = failed.filter((check) => !SUMMARIES.has(check.name));
  return [...new Set((specific.length ? specific : failed).map((check) => describeCheck(check.name).part))];
}
