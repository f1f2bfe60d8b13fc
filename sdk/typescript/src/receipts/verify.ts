/**
 * verifyReceipt: every check a receipt's holder can make, with the names, order and verdicts
 * of the Python verifier (cms.domain.receipts.verify_receipt, `cms verify-receipt`).
 * Nothing in the receipt is taken on trust: the contract must be the replay of its events, the
 * events must chain and prove to roots the trusted ledger holds, and the ledger's status slot
 * must not be ahead of the receipt. Hostile input gives failed checks, never an exception.
 */
import { equalBytes } from "@noble/curves/abstract/utils";
import { hexToBytes } from "@noble/hashes/utils";
import { canonicalJson, sha256Hex } from "../canonical";
import { contentDigest } from "../crypto/contractSignature";
import type { ChainAnchor, ChainSlot, ChainView } from "./chain";
import { ChainUnavailable } from "./chain";
import {
  contractJson, HistoryError, recomputedHash, replay, UnexpectedInput,
  type AuditEvent, type Contract,
} from "./contract";
import { FORMAT, parseReceipt, ReceiptFormatError, type Placement, type Receipt, type ReceiptBatch } from "./format";
import type { FloatMembers } from "./strictJson";
import { proofVerifies, readProof } from "./merkle";
import { recordedDocuments, signatureProblem } from "./signatures";
import { DidProblem } from "./did";
import { LEDGER_RUNTIME_CODE } from "./ledgerRuntime.generated";

export interface Check { name: string; ok: boolean; detail: string }

export interface ReceiptReport {
  valid: boolean;
  /** Why the receipt is neither proven nor disproven (chain unreadable, no trusted ledger);
   * null as soon as another check failed: that disproves it whatever is unknown. */
  incomplete: string | null;
  checks: Check[];
}

/** The ledger the verifier trusts, learnt from outside the receipt (GET /api/v1/ledger). */
export interface TrustedLedger { chainId: number; address: string }

/** ``CHAIN_ID:ADDRESS``; null when the text is not one. */
export function parseTrustedLedger(text: string): TrustedLedger | null {
  const at = text.indexOf(":");
  const chain = at < 0 ? text : text.slice(0, at);
  const address = at < 0 ? "" : text.slice(at + 1);
  if (!/^[0-9]+$/.test(chain) || Number(chain) < 1 || !/^0x[0-9a-fA-F]{40}$/.test(address)) return null;
  return { chainId: Number(chain), address };
}

export const UNPINNED = "no trusted ledger given: the receipt's own ledger address proves nothing by "
  + "itself (pass the operator's published CHAIN_ID:ADDRESS)";

export interface VerifyOptions {
  /** Opens the chain at the receipt's ledger (through an endpoint the user chooses). */
  connect: (ledger: { chainId: number; address: string }) => ChainView;
  /** Without it the verdict can at best be incomplete. */
  trusted?: TrustedLedger | null;
  /** ContractLedger's runtime code (0x hex) to find at the address; null skips that check. */
  ledgerCode?: string | null;
}

const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });
// JSON.stringify gives undefined for undefined, which its declared type does not say.
const shown = (value: unknown) => (JSON.stringify(value) as string | undefined) ?? "undefined";

function report(checks: Check[], incomplete: string | null = null): ReceiptReport {
  return { valid: incomplete === null && checks.every((c) => c.ok), incomplete, checks };
}

/** Incomplete for ``reason`` unless a check other than those saying why (``why``) failed: a
 * broken signature or chain of events is invalid with or without a pin or a chain. */
function undecided(checks: Check[], reason: string, why: Check[]): ReceiptReport {
  const disproven = checks.some((c) => !c.ok && !why.includes(c));
  return report(checks, disproven ? null : reason);
}

export type Verdict = "valid" | "invalid" | "incomplete";

// The checks whose failure says why a receipt cannot be decided (no pin, no chain).
const UNDECIDING = new Set(["ledger.trusted", "ledger"]);

/** `cms verify-receipt`'s verdict (exit 0, 2 or 3): what a user is told of a report. A report
 * from verifyReceipt is incomplete only while nothing else failed; a report from elsewhere is
 * held to the same rule, so a failed signature is never shown as merely incomplete. */
export function verdictOf(report: ReceiptReport): Verdict {
  if (report.valid) return "valid";
  const undecided = report.incomplete !== null && report.checks.every((c) => c.ok || UNDECIDING.has(c.name));
  return undecided ? "incomplete" : "invalid";
}

export async function verifyReceipt(raw: Uint8Array, options: VerifyOptions): Promise<ReceiptReport> {
  try {
    return await verify(raw, options);
  } catch (error) {
    // A verdict, never a stack trace, whatever the input (the Python's "verifier" check).
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return report([check("verifier", false, `the receipt could not be checked: ${reason}`)]);
  }
}

async function verify(raw: Uint8Array, options: VerifyOptions): Promise<ReceiptReport> {
  let receipt: Receipt;
  try {
    receipt = parseReceipt(raw);
  } catch (error) {
    if (error instanceof ReceiptFormatError) return report([check("format", false, error.message)]);
    throw error;
  }
  const trusted = options.trusted ?? null;
  const trust = trustCheck(receipt, trusted);
  const checks = [canonicalCheck(raw, receipt), trust];
  const { events } = receipt;
  const [replayed, history] = replayCheck(events, receipt.floats);
  checks.push(...chainChecks(`contract:${receipt.contractId}`, events), history);
  if (replayed !== null) {
    checks.push(...contractChecks(receipt.contract, replayed), digestCheck(replayed));
    checks.push(...await signatureChecks(replayed, events));
  }
  try {
    const chain = options.connect({ chainId: receipt.chainId, address: receipt.address });
    checks.push(...await onChainChecks(receipt, chain, replayed, options.ledgerCode === undefined ? LEDGER_RUNTIME_CODE : options.ledgerCode));
  } catch (error) {
    if (!(error instanceof ChainUnavailable)) throw error;
    const unreadable = check("ledger", false, `the chain cannot be read: ${error.message}`);
    checks.push(unreadable);
    return undecided(checks, error.message, trusted === null ? [unreadable, trust] : [unreadable]);
  }
  return trusted === null ? undecided(checks, UNPINNED, [trust]) : report(checks);
}

function canonicalCheck(raw: Uint8Array, receipt: Receipt): Check {
  if (!equalBytes(raw, receipt.canonical)) {
    return check("format", false, "the file is not the receipt as issued: it is not RFC 8785 canonical JSON "
      + "(re-serialised or edited); its content is checked below regardless");
  }
  return check("format", true, `${FORMAT}, canonical JSON, SHA-256 ${sha256Hex(raw)}`);
}

function trustCheck(receipt: Receipt, trusted: TrustedLedger | null): Check {
  const named = `${receipt.chainId}:${receipt.address}`;
  if (trusted === null) return check("ledger.trusted", false, `the receipt names ledger ${named}; ${UNPINNED}`);
  if (trusted.chainId !== receipt.chainId || trusted.address.toLowerCase() !== receipt.address.toLowerCase()) {
    return check("ledger.trusted", false, `the receipt names ledger ${named}, not the trusted ${trusted.chainId}:${trusted.address}`);
  }
  return check("ledger.trusted", true, `the receipt's ledger is the trusted ${named}`);
}

// ----------------------------------------------------------------------------- off-chain

const GENESIS_HASH = "0".repeat(64);

/** The hash chain: every way it deviates from an intact one, per event (audit.chain_problems). */
function chainChecks(stream: string, events: AuditEvent[]): Check[] {
  const problems: Check[] = [];
  let expectedPrev = GENESIS_HASH;
  events.forEach((event, position) => {
    const name = `audit_chain.event[${event.seq}]`;
    if (event.stream !== stream) problems.push(check(name, false, `event belongs to stream ${shown(event.stream)}`));
    if (event.seq !== position) problems.push(check(name, false, `sequence gap: expected seq ${position}, found ${event.seq}`));
    if (event.prevHash !== expectedPrev) {
      problems.push(check(name, false, `prev_hash ${event.prevHash} does not match the previous event's hash ${expectedPrev}`));
    }
    const recomputed = recomputedHash(event);
    if (recomputed !== event.hash) {
      problems.push(check(name, false, `stored hash ${event.hash} does not match the recomputed hash ${recomputed} (the event's content was changed)`));
    }
    expectedPrev = event.hash;
  });
  const summary = problems.length ? `${problems.length} problem(s) in ${events.length} events` : `${events.length} events, hashes and links intact`;
  return [check("audit_chain", !problems.length, summary), ...problems];
}

function replayCheck(events: AuditEvent[], floats: FloatMembers): [Contract | null, Check] {
  let replayed: Contract | null;
  try {
    replayed = replay(events, floats);
  } catch (error) {
    if (error instanceof UnexpectedInput || !(error instanceof HistoryError || error instanceof DidProblem)) throw error;
    return [null, check("history", false, `the events do not form a valid lifecycle: ${error.message}`)];
  }
  if (replayed === null) return [null, check("history", false, "the contract has no events")];
  return [replayed, check("history", true, "every event is a legal lifecycle step")];
}

function contractChecks(claimed: Record<string, unknown>, replayed: Contract): Check[] {
  const expected = contractJson(replayed);
  const names = Object.keys(expected);
  const problems = [
    ...names.filter((name) => !Object.hasOwn(claimed, name))
      .map((name) => check(`contract.${name}`, false, `missing; the events say ${shown(expected[name])}`)),
    ...names.filter((name) => Object.hasOwn(claimed, name) && !equalBytes(canonicalJson(claimed[name]), canonicalJson(expected[name])))
      .map((name) => check(`contract.${name}`, false, `the receipt says ${shown(claimed[name])}, the events say ${shown(expected[name])}`)),
    ...Object.keys(claimed).filter((name) => !Object.hasOwn(expected, name)).sort()
      .map((name) => check(`contract.${name}`, false, "not a contract field")),
  ];
  if (problems.length) return problems;
  return [check("contract", true, `the contract (${replayed.status}) is exactly the replay of its ${replayed.version} events`)];
}

function digestCheck(contract: Contract): Check {
  const recomputed = contentDigest({ id: contract.id, ...contract.content });
  if (contract.digest === null) return check("digest", true, `not frozen yet (draft); current content ${recomputed}`);
  if (recomputed !== contract.digest) {
    return check("digest", false, `the frozen digest ${shown(contract.digest)} does not match the content, which hashes to ${recomputed}`);
  }
  return check("digest", true, `content hashes to the frozen digest ${recomputed}`);
}

async function signatureChecks(contract: Contract, events: AuditEvent[]): Promise<Check[]> {
  const documents = recordedDocuments(events);
  const checks: Check[] = [];
  for (const signature of contract.signatures) {
    let problem = await signatureProblem(contract, signature, documents.get(signature.signer_did));
    if (problem === null && signature.digest !== contract.digest) {
      problem = `signed digest ${signature.digest} is not the contract digest ${shown(contract.digest)}`;
    }
    checks.push(check(`signature:${signature.signer_did}`, problem === null,
      problem ?? `valid ${signature.scheme} signature by ${signature.verification_method}`));
  }
  return checks;
}

// ----------------------------------------------------------------------------- on chain

async function onChainChecks(receipt: Receipt, chain: ChainView, replayed: Contract | null, ledgerCode: string | null): Promise<Check[]> {
  const ledger = await ledgerChecks(receipt, chain, ledgerCode);
  if (!ledger.every((c) => c.ok)) return ledger; // the wrong chain or no ledger there: nothing else counts
  const checks = [...ledger, ...await batchChecks(receipt, chain), ...await eventAnchorChecks(receipt, chain)];
  if (replayed !== null) checks.push(statusSlotCheck(replayed, receipt.events, await chain.statusOf(receipt.contractId)));
  return checks;
}

async function ledgerChecks(receipt: Receipt, chain: ChainView, ledgerCode: string | null): Promise<Check[]> {
  const served = await chain.chainId();
  if (served !== receipt.chainId) {
    return [check("ledger.chain", false, `the RPC endpoint serves chain ${served}, the receipt is for chain ${receipt.chainId}`)];
  }
  const checks = [check("ledger.chain", true, `chain ${served}`)];
  const code = await chain.code();
  const expected = ledgerCode === null ? null : hexToBytes(ledgerCode.replace(/^0x/, ""));
  if (!code.length) checks.push(check("ledger.code", false, `no contract code at ${receipt.address}`));
  else if (expected !== null && !equalBytes(code, expected)) {
    checks.push(check("ledger.code", false, `the code at ${receipt.address} is not ContractLedger (runtime bytecode SHA-256 `
      + `${sha256Hex(code)}, expected ${sha256Hex(expected)})`));
  } else checks.push(check("ledger.code", true, `ContractLedger at ${receipt.address}`));
  return checks;
}

async function batchChecks(receipt: Receipt, chain: ChainView): Promise<Check[]> {
  const used = new Set(receipt.placements.flatMap((p) => (p ? [p.batch] : [])));
  const head = receipt.batches.size ? await chain.blockNumber() : 0;
  const checks: Check[] = [];
  for (const [firstSeq, batch] of [...receipt.batches].sort(([a], [b]) => a - b)) {
    const problem = used.has(firstSeq) ? await batchProblem(receipt, batch, chain) : `no event of the receipt is in batch ${firstSeq}`;
    checks.push(check(`batch[${firstSeq}]`, problem === null, problem ?? `root ${batch.root} of ${batch.count} events anchored by `
      + `${batch.txHash} in block ${batch.blockNumber}, ${head - batch.blockNumber + 1} confirmation(s) deep`));
  }
  return checks;
}

async function batchProblem(receipt: Receipt, batch: ReceiptBatch, chain: ChainView): Promise<string | null> {
  const anchored = await chain.anchorOf(batch.root);
  if (anchored === null) return `the ledger holds no anchor for root ${batch.root}`;
  if (anchored.firstSeq !== batch.firstSeq || anchored.count !== batch.count) {
    return `the ledger anchored this root for ${anchored.count} events from ${anchored.firstSeq}, the receipt says ${batch.count} from ${batch.firstSeq}`;
  }
  if (anchored.blockNumber !== batch.blockNumber) {
    return `the ledger anchored this root in block ${anchored.blockNumber}, the receipt says ${batch.blockNumber}`;
  }
  const mined = await chain.transaction(batch.txHash);
  if (mined === null) return `the chain has no transaction ${batch.txHash}`;
  if (!mined.succeeded) return `transaction ${batch.txHash} reverted (block ${mined.blockNumber})`;
  if (mined.blockNumber !== batch.blockNumber) {
    return `transaction ${batch.txHash} is in block ${mined.blockNumber}, the anchoring in block ${batch.blockNumber}`;
  }
  const lastSeq = batch.firstSeq + batch.count - 1;
  const emitted = mined.anchored.some((log) => log.emitter.toLowerCase() === receipt.address.toLowerCase()
    && log.root === batch.root && log.firstSeq === batch.firstSeq && log.lastSeq === lastSeq && log.count === batch.count);
  if (!emitted) return `transaction ${batch.txHash} did not emit Anchored(${batch.root}, ${batch.firstSeq}, ${lastSeq}, ${batch.count}) from the ledger`;
  return null;
}

async function eventAnchorChecks(receipt: Receipt, chain: ChainView): Promise<Check[]> {
  const placed = receipt.events.map((event, i) => [event, receipt.placements[i] ?? null] as const);
  const missing = [
    ...placed.filter(([, p]) => p === null).map(([event]) => check(`anchor:event[${event.seq}]`, false,
      "not anchored when this receipt was issued; anchoring runs every minute: fetch a fresh receipt")),
    ...placed.filter(([, p]) => p !== null && !receipt.batches.has(p.batch)).map(([event, p]) => check(`anchor:event[${event.seq}]`, false,
      `its batch ${p?.batch ?? ""} is not in the receipt`)),
  ];
  const cache = new Map<number, ChainAnchor | null>();
  const problems: Check[] = [];
  let anchoredCount = 0;
  for (const [event, placement] of placed) {
    const batch = placement ? receipt.batches.get(placement.batch) : undefined;
    if (!placement || !batch) continue;
    anchoredCount += 1;
    if (!cache.has(placement.batch)) cache.set(placement.batch, await chain.anchorOf(batch.root));
    const problem = anchorProblem(event, placement, batch.root, cache.get(placement.batch) ?? null, receipt.floats);
    if (problem) problems.push(check(`anchor:event[${event.seq}]`, false, problem));
  }
  let summary = problems.length ? check("anchoring", false, `${problems.length} event(s) do not prove to an on-chain root`)
    : check("anchoring", true, `${anchoredCount} of ${anchoredCount} events proven against on-chain roots`);
  if (missing.length) summary = check("anchoring", false, `${missing.length + problems.length} of ${placed.length} events are not proven by this receipt`);
  return [summary, ...missing, ...problems];
}

function anchorProblem(event: AuditEvent, placement: Placement, root: string, onChain: ChainAnchor | null,
  floats: FloatMembers): string | null {
  const { anchorSeq } = placement;
  if (onChain === null) return `the batch root ${root} is not anchored on chain`;
  const proof = readProof(placement.proof, floats);
  if (typeof proof === "string") return `the stored inclusion proof is unreadable: ${proof}`;
  if (proof.size !== onChain.count || onChain.firstSeq + proof.index !== anchorSeq) {
    return `the proof places the event at ${anchorSeq} of ${proof.size}, the chain's batch holds ${onChain.count} from ${onChain.firstSeq}`;
  }
  // The recomputed hash: the proof must be for the event's content, not its stored label.
  if (!proofVerifies(proof, hexToBytes(recomputedHash(event)), hexToBytes(root))) {
    return `the event does not prove to the on-chain root ${root}`;
  }
  return null;
}

const STATUS_NAMES = ["draft", "review", "signed", "active", "completed", "terminated", "expired"];

function statusSlotCheck(contract: Contract, events: AuditEvent[], slot: ChainSlot | null): Check {
  const head = contract.version - 1;
  if (slot === null) {
    return check("status_slot", true, "no on-chain status yet (recorded from the first signed state on): "
      + "until then the chain cannot tell whether later events exist");
  }
  if (slot.seq > head) return check("status_slot", false, `the chain records event ${slot.seq}, beyond the stored history (head ${head}): events are missing`);
  const event = events[slot.seq];
  if (event === undefined || recomputedHash(event) !== slot.headHash) {
    return check("status_slot", false, `the chain's hash for event ${slot.seq} is ${slot.headHash}; the stored event differs`);
  }
  const said = STATUS_NAMES[slot.status] ?? String(slot.status);
  if (slot.seq === head && said !== contract.status) {
    return check("status_slot", false, `the chain says '${said}' at the head, the stored contract says '${contract.status}'`);
  }
  const where = slot.seq === head ? "the current head" : `event ${slot.seq}, an earlier point`;
  return check("status_slot", true, `the chain records '${said}' at ${where} of this history`);
}
