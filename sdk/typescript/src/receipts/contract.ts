/**
 * A contract as the replay of its audit events (cms.domain.contracts): the same rules the
 * write path enforces, so a history the platform would have refused does not replay, and the
 * snapshot a receipt claims can be compared with what its events say.
 */
import { canonicalJson, digestOf } from "../canonical";
import { CONTENT_FIELDS, contentDigest, type ContentField } from "../crypto/contractSignature";
import { writtenAsFloat, type FloatMembers, type Json } from "./strictJson";
import { controllerOf, DidProblem } from "./did";
import { isoUtc, parseTimestamp } from "./timestamp";

/** The events do not form a valid lifecycle (Python: InvalidHistory, KeyError, TypeError…). */
export class HistoryError extends Error {}

/** What the Python verifier does not expect at all (AttributeError…): it answers with a
 * single "verifier" check, and so does this one. */
export class UnexpectedInput extends Error {}

export type JsonObject = { [key: string]: Json };

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** ``value[key]`` as Python indexes a dict: KeyError / TypeError become HistoryError. */
export function member(value: unknown, key: string): Json {
  if (!isObject(value)) throw new HistoryError(`${JSON.stringify(key)} read from a non-object`);
  if (!Object.hasOwn(value, key)) throw new HistoryError(`missing '${key}'`);
  return value[key] as Json;
}

export interface AuditEvent {
  stream: string;
  seq: number;
  eventId: string;
  type: string;
  actor: string;
  at: string;
  data: JsonObject;
  prevHash: string;
  hash: string;
}

export const HASH_VERSION = 1;

/** Exactly what an event's hash covers. */
export function eventBody(event: AuditEvent): Record<string, Json> {
  return {
    v: HASH_VERSION, stream: event.stream, seq: event.seq, event_id: event.eventId, type: event.type,
    actor: event.actor, at: event.at, data: event.data, prev_hash: event.prevHash,
  };
}

export const recomputedHash = (event: AuditEvent): string => digestOf(eventBody(event));

type Content = Record<ContentField, Json>;
const SIGNATURE_FIELDS = ["signer_did", "role", "verification_method", "scheme", "signature", "digest", "signed_at", "chain_id"] as const;

export interface Signature {
  signer_did: string;
  role: string;
  verification_method: string;
  scheme: string;
  signature: string;
  digest: string;
  signed_at: string;
  chain_id: number;
}

export type Status = "draft" | "review" | "signed" | "active" | "completed" | "terminated" | "expired";

export interface Contract {
  id: string;
  content: Content;
  status: Status;
  digest: Json;
  signatures: Signature[];
  createdAt: string;
  updatedAt: string;
  version: number;
  headHash: string;
  signingDeadline: Json;
}

const MAX_CONTENT_BYTES = 32 * 1024;
const SYSTEM_ACTOR = "system:lifecycle";
const CREATED = "contract.created";
const LIVE: Status[] = ["draft", "review", "signed", "active"];

interface Rule { action: string; from: Status[]; who: "provider" | "party" | "party_or_system" | "system" }

const RULES: Record<string, Rule> = {
  "contract.updated": { action: "update", from: ["draft"], who: "provider" },
  "contract.submitted": { action: "submit", from: ["draft"], who: "provider" },
  "contract.changes_requested": { action: "request changes to", from: ["review"], who: "party" },
  "contract.signed": { action: "sign", from: ["review"], who: "party" },
  "contract.activated": { action: "activate", from: ["signed"], who: "party_or_system" },
  "contract.completed": { action: "complete", from: ["active"], who: "party" },
  "contract.terminated": { action: "terminate", from: LIVE, who: "party" },
  "contract.expired": { action: "expire", from: LIVE, who: "system" },
  "contract.attachment_added": { action: "add an attachment to", from: ["draft"], who: "system" },
};

function contentOf(data: Json): Content {
  const entries = CONTENT_FIELDS.map((name) => [name, member(data, name)] as const);
  return Object.fromEntries(entries) as Content;
}


const parties = (contract: Contract): Json[] => [contract.content.provider_did, contract.content.consumer_did];

function roleOf(contract: Contract, did: Json): string | null {
  if (did === contract.content.provider_did) return "provider";
  if (did === contract.content.consumer_did) return "consumer";
  return null;
}

const signedBy = (contract: Contract, did: Json) => contract.signatures.find((s) => s.signer_did === did);

/** The snapshot's JSON as the platform serves it (Contract.to_json). */
export function contractJson(contract: Contract): Record<string, Json> {
  const pending = parties(contract).filter((did) => signedBy(contract, did) === undefined);
  return {
    id: contract.id,
    ...contract.content,
    status: contract.status,
    digest: contract.digest,
    content_digest: contentDigest({ id: contract.id, ...contract.content }),
    signatures: contract.signatures as unknown as Json[],
    required_signers: parties(contract),
    pending_signers: contract.status === "review" ? pending : [],
    signing_deadline: contract.signingDeadline,
    created_at: contract.createdAt,
    updated_at: contract.updatedAt,
    version: contract.version,
    head_hash: contract.headHash,
  };
}

function signatureOf(data: Json, floats: FloatMembers): Signature {
  if (!isObject(data)) throw new HistoryError("a signature must be a JSON object");
  const values = Object.fromEntries(SIGNATURE_FIELDS.map((name) => [name, member(data, name)]));
  for (const name of SIGNATURE_FIELDS) {
    const value = values[name];
    const ok = name === "chain_id"
      ? typeof value === "number" && Number.isInteger(value) && !writtenAsFloat(floats, data, name)
      : typeof value === "string";
    if (!ok) throw new HistoryError(`signature field '${name}' must be a ${name === "chain_id" ? "int" : "str"}`);
  }
  return values as unknown as Signature;
}

function authorize(contract: Contract, rule: Rule, actor: string): void {
  const isParty = roleOf(contract, actor) !== null;
  if (rule.who === "system" && actor !== SYSTEM_ACTOR) throw new HistoryError(`only the platform may ${rule.action} a contract`);
  if (rule.who === "provider" && actor !== contract.content.provider_did) throw new HistoryError(`only the provider may ${rule.action} the contract`);
  if (rule.who === "party" && !isParty) throw new HistoryError(`only a party may ${rule.action} the contract`);
  if (rule.who === "party_or_system" && actor !== SYSTEM_ACTOR && !isParty) {
    throw new HistoryError(`only a party or the platform may ${rule.action} the contract`);
  }
}

function signed(contract: Contract, event: AuditEvent, floats: FloatMembers): Contract {
  const signature = signatureOf(member(event.data, "signature"), floats);
  if (signature.signer_did !== event.actor || signature.role !== roleOf(contract, event.actor)) {
    throw new HistoryError("a party can only add its own signature");
  }
  if (signature.digest !== contract.digest) throw new HistoryError("the signature is over another version of the contract");
  if (signedBy(contract, event.actor)) throw new HistoryError(`${event.actor} has already signed this contract`);
  const signatures = [...contract.signatures, signature];
  const done = parties(contract).every((did) => signatures.some((s) => s.signer_did === did));
  return { ...contract, signatures, status: done ? "signed" : "review" };
}

function apply(contract: Contract, event: AuditEvent, floats: FloatMembers): Contract {
  const data = event.data;
  switch (event.type) {
    case "contract.updated": return { ...contract, content: contentOf(member(data, "content")) };
    case "contract.submitted":
      return { ...contract, status: "review", digest: member(data, "digest"), signingDeadline: data.signing_deadline ?? null };
    case "contract.changes_requested": return { ...contract, status: "draft", digest: null, signatures: [], signingDeadline: null };
    case "contract.signed": return signed(contract, event, floats);
    case "contract.activated": return { ...contract, status: "active" };
    case "contract.completed": return { ...contract, status: "completed" };
    case "contract.terminated": return { ...contract, status: "terminated" };
    case "contract.expired": return { ...contract, status: "expired" };
    default: return { ...contract, content: withAttachment(contract, member(data, "attachment"), floats) };
  }
}

function evolve(contract: Contract | null, event: AuditEvent, floats: FloatMembers): Contract {
  if (event.type === CREATED) {
    if (contract !== null) throw new HistoryError(`event ${event.seq}: a contract can only be created once`);
    const content = member(event.data, "content");
    if (event.actor !== member(content, "provider_did")) {
      throw new HistoryError(`event ${event.seq}: created by ${event.actor}, who is not the provider`);
    }
    return {
      id: event.stream.replace(/^contract:/, ""), content: contentOf(content), status: "draft", digest: null, signatures: [],
      createdAt: event.at, updatedAt: event.at, version: 1, headHash: event.hash, signingDeadline: null,
    };
  }
  if (contract === null) throw new HistoryError(`event ${event.seq}: history does not start with ${CREATED}`);
  const rule = RULES[event.type];
  if (rule === undefined) throw new HistoryError(`event ${event.seq}: unknown event type ${JSON.stringify(event.type)}`);
  if (!rule.from.includes(contract.status)) {
    throw new HistoryError(`event ${event.seq}: ${event.type} is not allowed in status ${contract.status}`);
  }
  try {
    authorize(contract, rule, event.actor);
    const changed = apply(contract, event, floats);
    return { ...changed, updatedAt: event.at, version: contract.version + 1, headHash: event.hash };
  } catch (error) {
    if (error instanceof HistoryError || error instanceof DidProblem) {
      throw new HistoryError(`event ${event.seq}: ${error.message}`);
    }
    throw error;
  }
}

/** The contract its events make, null without events; HistoryError when they cannot.
 * ``floats``: integral numbers the file wrote as fractions, which integer fields refuse. */
export function replay(events: AuditEvent[], floats: FloatMembers): Contract | null {
  return events.reduce<Contract | null>((contract, event) => evolve(contract, event, floats), null);
}

// ----------------------------------------------------------------------------- attachments

const ATTACHMENT_FIELDS: Record<string, (value: Json) => boolean> = {
  id: (v) => typeof v === "string", name: (v) => typeof v === "string", media_type: (v) => typeof v === "string",
  size: (v) => typeof v === "number" && Number.isInteger(v), sha256: (v) => typeof v === "string",
  uploaded_by: (v) => typeof v === "string", object_version: (v) => typeof v === "string" || v === null,
  added_at: (v) => typeof v === "string",
};
const MAX_ATTACHMENTS = 50;

function withAttachment(contract: Contract, attachment: Json, floats: FloatMembers): Content {
  const metadata = contract.content.metadata;
  // Python calls metadata.get(): a non-object metadata is an error it does not expect.
  if (!isObject(metadata)) throw new UnexpectedInput("the contract's metadata is not an object");
  const listed = metadata.attachments;
  const current = Array.isArray(listed) ? listed.filter((item) => isObject(item) && typeof item.id === "string") as JsonObject[] : [];
  const names = Object.keys(ATTACHMENT_FIELDS);
  if (!isObject(attachment) || Object.keys(attachment).length !== names.length
    || !names.every((name) => Object.hasOwn(attachment, name) && ATTACHMENT_FIELDS[name]?.(attachment[name] as Json))
    || writtenAsFloat(floats, attachment, "size")) {
    throw new HistoryError("malformed attachment record");
  }
  if (current.some((existing) => existing.id === attachment.id)) throw new HistoryError(`attachment ${JSON.stringify(attachment.id)} is already registered`);
  if (current.length >= MAX_ATTACHMENTS) throw new HistoryError(`a contract has at most ${MAX_ATTACHMENTS} attachments`);
  if (!parties(contract).includes(attachment.uploaded_by as Json)) throw new HistoryError("only a party's upload can become an attachment");
  return validated({ ...contract.content, metadata: { ...metadata, attachments: [...current, attachment] } });
}

// Python 3.11's str.isspace() characters (cms.domain.contracts.content.WHITESPACE): what a
// blank title strips. Not String.trim, which strips U+FEFF and keeps U+001C-U+001F and U+0085.
const WHITESPACE = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
  + "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
const isBlank = (text: string): boolean => [...text].every((char) => WHITESPACE.includes(char));

/** Content.validated(): the checks a write applies, in its order, timestamps normalised to UTC. */
function validated(content: Content): Content {
  const { title, terms, valid_from: from, valid_until: until } = content;
  // Python calls title.strip(): any other type is an error it does not expect.
  if (typeof title !== "string") throw new UnexpectedInput("the contract's title is not text");
  const errors: string[] = [];
  if (isBlank(title)) errors.push("/title: must not be blank");
  if (typeof terms === "string" && isBlank(terms)) errors.push("/terms: must not be blank");
  if (controllerOf(content.consumer_did) === controllerOf(content.provider_did)) {
    errors.push("/consumer_did: the consumer must be another party than the provider");
  }
  const start = parseTimestamp(from);
  const end = parseTimestamp(until);
  if (start === null || end === null) errors.push("the validity must be timestamps YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)");
  else if (end <= start) errors.push("/valid_until: must be after valid_from");
  if (!errors.length && canonicalJson(content).length > MAX_CONTENT_BYTES) errors.push(`the contract content exceeds ${MAX_CONTENT_BYTES} bytes`);
  if (errors.length || start === null || end === null) throw new HistoryError(`The contract is not valid: ${errors.join("; ")}`);
  return { ...content, valid_from: isoUtc(start), valid_until: isoUtc(end) };
}
