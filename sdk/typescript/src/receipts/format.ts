/**
 * Reading a receipt strictly (cms.domain.receipts.parse_receipt): exact keys, exact types,
 * JSON pointers in every complaint. Nothing here is trusted yet; it is only well-formed.
 */
import { canonicalJson } from "../canonical";
import type { AuditEvent, JsonObject } from "./contract";
import { HASH_VERSION, isObject } from "./contract";
import { checksumAddress } from "./did";
import { readProof } from "./merkle";
import { NotIJson, NotJson, parseStrict, writtenAsFloat, type FloatMembers, type Json } from "./strictJson";

export const FORMAT = "cms-receipt/v1";
/** A receipt the platform issues is at most this big (MAX_RECEIPT_BYTES: one response). */
export const MAX_RECEIPT_BYTES = 5 * 1024 * 1024;

export class ReceiptFormatError extends Error {
  constructor(readonly where: string, problem: string) {
    super(`${where || "/"}: ${problem}`);
  }
}

export interface Placement { batch: number; anchorSeq: number; proof: JsonObject }
export interface ReceiptBatch { firstSeq: number; count: number; root: string; txHash: string; blockNumber: number }

export interface Receipt {
  contract: JsonObject;
  contractId: string;
  events: AuditEvent[];
  placements: (Placement | null)[];
  batches: Map<number, ReceiptBatch>;
  chainId: number;
  address: string;
  /** Integral numbers the file wrote as fractions (for the history's integer fields). */
  floats: FloatMembers;
  /** The receipt's RFC 8785 form, to compare with the bytes as kept. */
  canonical: Uint8Array;
}

const KEYS = ["batches", "contract", "events", "format", "ledger"];
const EVENT_KEYS = ["actor", "anchor", "at", "data", "event_id", "hash", "prev_hash", "seq", "stream", "type", "v"];
const ANCHOR_KEYS = ["anchor_seq", "batch", "proof"];
const BATCH_KEYS = ["block_number", "count", "first_seq", "root", "tx_hash"];
const LEDGER_KEYS = ["address", "chain_id"];

function keys(value: Json, expected: string[], where: string): JsonObject {
  if (!isObject(value)) throw new ReceiptFormatError(where, "must be an object");
  const actual = Object.keys(value);
  const missing = expected.filter((key) => !actual.includes(key));
  const extra = actual.filter((key) => !expected.includes(key)).sort();
  if (missing.length || extra.length) {
    throw new ReceiptFormatError(where, `keys differ from ${FORMAT}: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`);
  }
  return value;
}

function list(value: Json | undefined, where: string): Json[] {
  if (!Array.isArray(value)) throw new ReceiptFormatError(where, "must be an array");
  return value;
}

/** Reads the integer member ``key`` of ``holder``, refusing one written as a fraction or
 * exponent as Python's integer fields do (Parsed.floats). */
type Count = (holder: JsonObject, key: string, where: string, minimum?: number) => number;

const counter = (floats: FloatMembers): Count => (holder, key, where, minimum = 0) => {
  const value = holder[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum || writtenAsFloat(floats, holder, key)) {
    throw new ReceiptFormatError(where, `must be an integer >= ${minimum}`);
  }
  return value;
};

function text(value: Json | undefined, where: string): string {
  if (typeof value !== "string") throw new ReceiptFormatError(where, "must be a string");
  return value;
}

function event(item: Json, where: string, count: Count, floats: FloatMembers): [AuditEvent, Placement | null] {
  const data = keys(item, EVENT_KEYS, where);
  if (data.v !== HASH_VERSION) throw new ReceiptFormatError(`${where}/v`, `unknown event hash version ${JSON.stringify(data.v)}`);
  const strings = ["stream", "event_id", "type", "actor", "at", "prev_hash", "hash"].map((name) => text(data[name], `${where}/${name}`));
  const [stream = "", eventId = "", type = "", actor = "", at = "", prevHash = "", hash = ""] = strings;
  const seq = count(data, "seq", `${where}/seq`);
  if (!isObject(data.data)) throw new ReceiptFormatError(`${where}/data`, "must be an object");
  return [{ stream, seq, eventId, type, actor, at, data: data.data, prevHash, hash }, placement(data.anchor ?? null, `${where}/anchor`, count, floats)];
}

function placement(anchor: Json, where: string, count: Count, floats: FloatMembers): Placement | null {
  if (anchor === null) return null;
  const data = keys(anchor, ANCHOR_KEYS, where);
  const proof = readProof(data.proof, floats);
  if (typeof proof === "string") throw new ReceiptFormatError(`${where}/proof`, proof);
  return { batch: count(data, "batch", `${where}/batch`), anchorSeq: count(data, "anchor_seq", `${where}/anchor_seq`), proof: data.proof as JsonObject };
}

function batch(item: Json, where: string, count: Count): ReceiptBatch {
  const data = keys(item, BATCH_KEYS, where);
  if (typeof data.root !== "string" || !/^[0-9a-f]{64}$/.test(data.root)) throw new ReceiptFormatError(`${where}/root`, "must be 64 lower-case hex digits");
  if (typeof data.tx_hash !== "string" || !/^0x[0-9a-f]{64}$/.test(data.tx_hash)) {
    throw new ReceiptFormatError(`${where}/tx_hash`, "must be 0x and 64 lower-case hex digits");
  }
  return {
    firstSeq: count(data, "first_seq", `${where}/first_seq`), count: count(data, "count", `${where}/count`, 1), root: data.root,
    txHash: data.tx_hash, blockNumber: count(data, "block_number", `${where}/block_number`, 1),
  };
}

function checksummed(address: string): string | null {
  try {
    return checksumAddress(address);
  } catch {
    return null;
  }
}

/** Strictly parse a receipt; ReceiptFormatError (with a JSON pointer) for anything else. */
export function parseReceipt(raw: Uint8Array): Receipt {
  if (raw.length > MAX_RECEIPT_BYTES) {
    throw new ReceiptFormatError("", `${raw.length} bytes, more than the ${MAX_RECEIPT_BYTES} a receipt can have`);
  }
  let parsed;
  try {
    parsed = parseStrict(raw);
  } catch (error) {
    if (error instanceof NotJson) throw new ReceiptFormatError("", `not JSON: ${error.message}`);
    throw error;
  }
  if (parsed.notIJson !== null) throw new ReceiptFormatError("", `not I-JSON (RFC 7493): ${new NotIJson(parsed.notIJson).message}`);
  const count = counter(parsed.floats);
  const data = keys(parsed.value, KEYS, "");
  if (data.format !== FORMAT) throw new ReceiptFormatError("/format", `unknown format ${JSON.stringify(data.format)}, expected '${FORMAT}'`);
  const contract = data.contract;
  if (!isObject(contract) || typeof contract.id !== "string") throw new ReceiptFormatError("/contract", "must be an object with a string id");
  const placed = list(data.events, "/events").map((item, i) => event(item, `/events/${i}`, count, parsed.floats));
  const batches = new Map<number, ReceiptBatch>();
  list(data.batches, "/batches").forEach((item, i) => {
    const read = batch(item, `/batches/${i}`, count);
    if (batches.has(read.firstSeq)) throw new ReceiptFormatError(`/batches/${i}`, `batch ${read.firstSeq} appears twice`);
    batches.set(read.firstSeq, read);
  });
  const ledger = keys(data.ledger ?? null, LEDGER_KEYS, "/ledger");
  const chainId = count(ledger, "chain_id", "/ledger/chain_id", 1);
  const address = ledger.address;
  if (typeof address !== "string" || checksummed(address) !== address) {
    throw new ReceiptFormatError("/ledger/address", "must be a 0x-prefixed 20-byte address in EIP-55 checksum case");
  }
  return {
    contract, contractId: contract.id, events: placed.map(([e]) => e), placements: placed.map(([, p]) => p), batches,
    chainId, address, floats: parsed.floats, canonical: canonicalJson(parsed.value),
  };
}
