/**
 * The DIDs a receipt's signers use, as cms.domain.did reads them: syntax, the documents
 * did:key / did:pkh / did:ethr denote by themselves, did:web's URL rules, and recorded DID
 * documents reduced to their usable keys and normal form (what a signature is checked with).
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { base58, hex } from "@scure/base";
import { getAddress, keccak256 } from "viem";
import { base64urlEncode, decodeBase64Any } from "../crypto/contractSignature";
import { isPrintableAscii } from "../crypto/printable";

/** A DID, document or key the Python verifier refuses (its DomainError / ValueError). */
export class DidProblem extends Error {}

export interface VerificationMethod {
  id: string;
  type: string;
  controller: string;
  ed25519?: Uint8Array;
  ethAddress?: string;
  /** The CAIP-10 id as published (did:pkh keeps the case it was written with). */
  accountId?: string;
}

export interface DidDocument {
  id: string;
  methods: VerificationMethod[];
  authentication: string[];
  assertionMethod: string[];
}

const MAX_DID_LENGTH = 2048;
const SUPPORTED_METHODS = ["key", "pkh", "ethr", "web"];
const ID_CHAR = "(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})";
const DID = new RegExp(`^did:([a-z0-9]+):((?:${ID_CHAR}*:)*${ID_CHAR}+)$`);
const ED25519_CODEC = 0xed;
const SECP256K1_CODEC = 0xe7;
const RECOVERY_METHOD = "EcdsaSecp256k1RecoveryMethod2020";
const SECP256K1_TYPES = new Set([RECOVERY_METHOD, "EcdsaSecp256k1VerificationKey2019"]);
const DID_CONTEXT = "https://www.w3.org/ns/did/v1";
const TYPE_CONTEXTS: Record<string, string> = {
  Ed25519VerificationKey2018: "https://w3id.org/security/suites/ed25519-2018/v1",
  Ed25519VerificationKey2020: "https://w3id.org/security/suites/ed25519-2020/v1",
  Multikey: "https://w3id.org/security/multikey/v1",
  JsonWebKey2020: "https://w3id.org/security/suites/jws-2020/v1",
  EcdsaSecp256k1RecoveryMethod2020: "https://w3id.org/security/suites/secp256k1recovery-2020/v2",
  EcdsaSecp256k1VerificationKey2019: "https://w3id.org/security/suites/secp256k1-2019/v1",
};
const ETHR_NETWORKS: Record<string, number> = {
  mainnet: 1, ropsten: 3, rinkeby: 4, goerli: 5, kovan: 42, polygon: 137, sepolia: 11155111,
};

export interface ParsedDid { did: string; method: string; identifier: string }

export function parseDid(did: unknown): ParsedDid {
  if (typeof did !== "string" || !did) throw new DidProblem("DID must be a non-empty string");
  if (did.length > MAX_DID_LENGTH) throw new DidProblem(`DID is longer than ${MAX_DID_LENGTH} characters`);
  const match = DID.exec(did);
  if (!match?.[1] || !match[2]) throw new DidProblem(`'${did}' is not a DID (did:<method>:<id>)`);
  if (!SUPPORTED_METHODS.includes(match[1])) throw new DidProblem(`DID method '${match[1]}' is not supported`);
  return { did, method: match[1], identifier: match[2] };
}

// ----------------------------------------------------------------------------- key encodings

/** EIP-55 form of 0x + 40 hex; a mixed-case input must already carry its valid checksum. */
export function checksumAddress(value: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new DidProblem(`'${value}' is not an Ethereum address`);
  const checksummed = getAddress(value.toLowerCase());
  const digits = value.slice(2);
  if (digits !== digits.toLowerCase() && digits !== digits.toUpperCase() && value !== checksummed) {
    throw new DidProblem(`address '${value}' has an invalid EIP-55 checksum`);
  }
  return checksummed;
}

/** Checksummed address of a compressed (33), SEC1 (65) or raw x‖y (64 bytes) secp256k1 key. */
export function ethAddressOfKey(publicKey: Uint8Array): string {
  const encoded = publicKey.length === 64 ? Uint8Array.of(4, ...publicKey) : publicKey;
  let uncompressed: Uint8Array;
  try {
    uncompressed = secp256k1.ProjectivePoint.fromHex(encoded).toRawBytes(false);
  } catch {
    throw new DidProblem("not a secp256k1 public key on the curve");
  }
  return getAddress(`0x${keccak256(uncompressed.slice(1)).slice(-40)}`);
}

function b58decode(value: string): Uint8Array {
  if (!/^[1-9A-HJ-NP-Za-km-z]{1,1024}$/.test(value)) throw new DidProblem("invalid base58");
  return base58.decode(value);
}

function readVarint(data: Uint8Array): [number, number] {
  let value = 0;
  for (let index = 0; index < Math.min(data.length, 9); index += 1) {
    const byte = data[index] ?? 0;
    value += (byte & 0x7f) * 2 ** (7 * index);
    if (!(byte & 0x80)) {
      if (byte === 0 && index > 0) throw new DidProblem("multicodec varint is not minimally encoded");
      return [value, index + 1];
    }
  }
  throw new DidProblem("multicodec varint is truncated or too long");
}

function decodeMultikey(value: string): [number, Uint8Array] {
  if (!value.startsWith("z")) throw new DidProblem("multibase value must use base58btc (prefix 'z')");
  const raw = b58decode(value.slice(1));
  const [codec, offset] = readVarint(raw);
  return [codec, raw.slice(offset)];
}

function encodeMultikey(codec: number, key: Uint8Array): string {
  const prefix: number[] = [];
  let rest = codec;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    prefix.push(byte | (rest ? 0x80 : 0));
  } while (rest);
  return `z${base58.encode(Uint8Array.of(...prefix, ...key))}`;
}

function ed25519Key(key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new DidProblem(`Ed25519 public key must be 32 bytes, got ${key.length}`);
  return key;
}

// ----------------------------------------------------------------------------- local methods

function singleMethod(method: VerificationMethod): DidDocument {
  return { id: method.controller, methods: [method], authentication: [method.id], assertionMethod: [method.id] };
}

function pkhAccount(parsed: ParsedDid): [number, string] {
  const match = /^eip155:(0|[1-9][0-9]{0,31}):(0x[0-9a-fA-F]{40})$/.exec(parsed.identifier);
  if (!match?.[1] || !match[2]) throw new DidProblem("did:pkh must be did:pkh:eip155:<chain id>:<address>");
  return [Number(match[1]), checksumAddress(match[2])];
}

function ethrAccount(parsed: ParsedDid): [string, string] {
  const match = /^(?:([a-z0-9-]+|0x[0-9a-fA-F]+):)?(0x[0-9a-fA-F]{40}|0x[0-9a-fA-F]{66})$/.exec(parsed.identifier);
  if (!match?.[2]) throw new DidProblem("did:ethr must be did:ethr[:<network>]:<0x address or key>");
  const network = match[1] ?? "mainnet";
  let chain: string;
  if (network.startsWith("0x")) {
    if (!/^0x[0-9a-fA-F]+$/.test(network)) throw new DidProblem(`did:ethr chain id '${network}' is not hexadecimal`);
    const value = BigInt(network);
    if (value === 0n || value.toString().length > 32) throw new DidProblem(`did:ethr chain id '${network}' is out of range`);
    chain = value.toString();
  } else {
    const known = ETHR_NETWORKS[network];
    if (known === undefined) throw new DidProblem(`did:ethr network '${network}' is not supported`);
    chain = String(known);
  }
  const subject = match[2];
  const address = subject.length === 42 ? checksumAddress(subject) : ethAddressOfKey(hex.decode(subject.slice(2).toLowerCase()));
  return [chain, address];
}

/** The document a did:key / did:pkh / did:ethr denotes by itself (no I/O). */
export function resolveLocal(parsed: ParsedDid): DidDocument {
  if (parsed.method === "key") {
    const [codec, key] = decodeMultikey(parsed.identifier);
    if (codec !== ED25519_CODEC) throw new DidProblem("did:key uses a key other than Ed25519");
    return singleMethod({ id: `${parsed.did}#${parsed.identifier}`, type: "Ed25519VerificationKey2020", controller: parsed.did, ed25519: ed25519Key(key) });
  }
  if (parsed.method === "pkh") {
    const [, address] = pkhAccount(parsed);
    return singleMethod({ id: `${parsed.did}#blockchainAccountId`, type: RECOVERY_METHOD, controller: parsed.did, ethAddress: address, accountId: parsed.identifier });
  }
  if (parsed.method === "ethr") {
    const [chain, address] = ethrAccount(parsed);
    return singleMethod({ id: `${parsed.did}#controller`, type: RECOVERY_METHOD, controller: parsed.did, ethAddress: address, accountId: `eip155:${chain}:${address}` });
  }
  throw new DidProblem(`did:${parsed.method} cannot be resolved locally`);
}

/** did:web is checked for its URL form only: its document needs a fetch. */
function checkDidWeb(parsed: ParsedDid): void {
  const [authority = "", ...segments] = parsed.identifier.split(":");
  let host = authority;
  if (authority.includes("%")) {
    const at = authority.indexOf("%");
    host = authority.slice(0, at);
    const port = /^%3A([0-9]{1,5})$/i.exec(authority.slice(at))?.[1];
    if (port === undefined || Number(port) < 1 || Number(port) > 65535) throw new DidProblem("did:web port is not allowed");
  }
  const ipv4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
  const labels = host.split(".");
  if (!ipv4.test(host) && (host.length > 253 || !labels.every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(label))
    || /^[0-9]+$/.test(labels[labels.length - 1] ?? ""))) {
    throw new DidProblem(`did:web host '${host}' is not a valid DNS name or IPv4 address`);
  }
  for (const segment of segments) {
    // Percent-escapes decoded byte by byte (Python's unquote): a byte above 0x7f is not
    // printable ASCII whatever character it starts, so no UTF-8 decoding is needed.
    const decoded = segment.replace(/%([0-9A-Fa-f]{2})/g, (_, digits: string) => String.fromCharCode(parseInt(digits, 16)));
    if (["", ".", ".."].includes(decoded) || /[/\\?#]/.test(decoded) || !isPrintableAscii(decoded)) {
      throw new DidProblem(`did:web path segment '${segment}' is not allowed`);
    }
  }
}

/** The key that controls a DID: two spellings of one key give the same answer. */
export function controllerOf(did: unknown): string {
  const parsed = parseDid(did);
  if (parsed.method === "web") {
    checkDidWeb(parsed);
    return `web:${parsed.did}`;
  }
  const method = resolveLocal(parsed).methods[0];
  if (method?.ed25519) return `ed25519:${hex.encode(method.ed25519)}`;
  return `eth:${(method?.ethAddress ?? "").toLowerCase()}`;
}

// ----------------------------------------------------------------------------- normal form

function publishedType(method: VerificationMethod): string {
  return method.ethAddress !== undefined && !SECP256K1_TYPES.has(method.type) ? RECOVERY_METHOD : method.type;
}

function methodJson(method: VerificationMethod): Record<string, unknown> {
  const base = { id: method.id, type: publishedType(method), controller: method.controller };
  const key = method.ed25519;
  if (key === undefined) {
    return method.accountId !== undefined ? { ...base, blockchainAccountId: method.accountId } : { ...base, ethereumAddress: method.ethAddress };
  }
  if (method.type === "Ed25519VerificationKey2018") return { ...base, publicKeyBase58: base58.encode(key) };
  if (method.type === "JsonWebKey2020") return { ...base, publicKeyJwk: { kty: "OKP", crv: "Ed25519", x: base64urlEncode(key) } };
  return { ...base, publicKeyMultibase: encodeMultikey(ED25519_CODEC, key) };
}

/** The document's normal form: what the platform records with a signature. */
export function documentJson(document: DidDocument): Record<string, unknown> {
  const types = [...new Set(document.methods.map(publishedType))];
  return {
    "@context": [DID_CONTEXT, ...types.flatMap((type) => TYPE_CONTEXTS[type] ?? [])],
    id: document.id,
    verificationMethod: document.methods.map(methodJson),
    authentication: document.authentication,
    assertionMethod: document.assertionMethod,
  };
}

// ----------------------------------------------------------------------------- parsing

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

function field(entry: JsonObject, name: string): string {
  const value = entry[name];
  if (typeof value !== "string") throw new DidProblem(`'${name}' must be a string`);
  return value;
}

function objectField(entry: JsonObject, name: string): JsonObject {
  const value = entry[name];
  if (!isObject(value)) throw new DidProblem(`'${name}' must be a JSON object`);
  return value;
}

type Material = Pick<VerificationMethod, "ed25519" | "ethAddress" | "accountId"> | null;

function jwkMaterial(jwk: JsonObject): Material {
  if ("d" in jwk) throw new DidProblem("publicKeyJwk contains private key material ('d')");
  const decode = (name: string) => {
    const raw = decodeBase64Any(field(jwk, name));
    if (raw === null) throw new DidProblem("not base64/base64url");
    return raw;
  };
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return { ed25519: ed25519Key(decode("x")) };
  if (jwk.kty === "EC" && jwk.crv === "secp256k1") {
    const x = decode("x");
    const y = decode("y");
    if (x.length !== 32 || y.length !== 32) throw new DidProblem("secp256k1 JWK coordinates must be 32 bytes each");
    return { ethAddress: ethAddressOfKey(Uint8Array.of(...x, ...y)) };
  }
  return null;
}

function keyMaterial(type: string, entry: JsonObject): Material {
  if (type === "JsonWebKey2020") return jwkMaterial(objectField(entry, "publicKeyJwk"));
  if (type === "Ed25519VerificationKey2018") return { ed25519: ed25519Key(b58decode(field(entry, "publicKeyBase58"))) };
  if (type === "Ed25519VerificationKey2020" || type === "Multikey") {
    const [codec, key] = decodeMultikey(field(entry, "publicKeyMultibase"));
    if (codec === ED25519_CODEC) return { ed25519: ed25519Key(key) };
    if (type !== "Multikey") throw new DidProblem("publicKeyMultibase holds a key other than Ed25519");
    return codec === SECP256K1_CODEC ? { ethAddress: ethAddressOfKey(key) } : null;
  }
  if (!SECP256K1_TYPES.has(type)) return null;
  if ("blockchainAccountId" in entry) {
    const account = field(entry, "blockchainAccountId");
    if (!account.startsWith("eip155:")) return null;
    const match = /^eip155:(0|[1-9][0-9]{0,31}):(0x[0-9a-fA-F]{40})$/.exec(account);
    if (!match?.[2]) throw new DidProblem(`'${account}' is not an eip155 CAIP-10 account id`);
    return { ethAddress: checksumAddress(match[2]), accountId: account };
  }
  if ("ethereumAddress" in entry) return { ethAddress: checksumAddress(field(entry, "ethereumAddress")) };
  if ("publicKeyJwk" in entry) return jwkMaterial(objectField(entry, "publicKeyJwk"));
  if ("publicKeyHex" in entry) {
    const digits = field(entry, "publicKeyHex");
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new DidProblem("publicKeyHex is not hex");
    return { ethAddress: ethAddressOfKey(hex.decode(digits.toLowerCase())) };
  }
  throw new DidProblem("no blockchainAccountId, ethereumAddress, publicKeyJwk or publicKeyHex");
}

/** A recorded DID document reduced to its usable keys (DidDocument.from_json). */
export function parseDocument(data: unknown, expectedId: string): DidDocument {
  if (!isObject(data)) throw new DidProblem("DID document must be a JSON object");
  if (data.id !== expectedId) throw new DidProblem(`DID document id does not match the DID '${expectedId}'`);
  const methods = new Map<string, VerificationMethod>();
  const skipped = new Set<string>();
  const list = (name: string): unknown[] => {
    // Absent is empty; null is not (Python's data.get(name, [])).
    const value = Object.hasOwn(data, name) ? data[name] : [];
    if (!Array.isArray(value)) throw new DidProblem(`DID document '${name}' must be an array`);
    return value;
  };
  const absolute = (ref: unknown): string => {
    if (typeof ref !== "string" || !ref) throw new DidProblem("verification method id must be a non-empty string");
    const id = ref.startsWith("#") ? expectedId + ref : ref;
    if (!id.startsWith("did:") || !id.includes("#")) throw new DidProblem(`'${ref}' is not a DID URL with a fragment`);
    return id;
  };
  const add = (entry: unknown): string => {
    if (!isObject(entry)) throw new DidProblem("verification method must be an object");
    const id = absolute(entry.id);
    if (methods.has(id) || skipped.has(id)) throw new DidProblem(`duplicate verification method id '${id}'`);
    const { type, controller } = entry;
    if (typeof type !== "string") throw new DidProblem(`method '${id}' has no string 'type'`);
    if (typeof controller !== "string" || !controller.startsWith("did:")) throw new DidProblem(`method '${id}' needs a DID 'controller'`);
    const material = keyMaterial(type, entry);
    if (material === null) skipped.add(id);
    else methods.set(id, { id, type, controller, ...material });
    return id;
  };
  for (const entry of list("verificationMethod")) add(entry);
  const relationship = (name: string): string[] => {
    const ids: string[] = [];
    for (const entry of list(name)) {
      const id = isObject(entry) ? add(entry) : absolute(entry);
      if (methods.has(id)) {
        if (!ids.includes(id)) ids.push(id);
      } else if (!skipped.has(id) && id.startsWith(`${expectedId}#`)) {
        throw new DidProblem(`${name} references undefined method '${id}'`);
      }
    }
    return ids;
  };
  const authentication = relationship("authentication");
  const assertionMethod = relationship("assertionMethod");
  return { id: expectedId, methods: [...methods.values()], authentication, assertionMethod };
}
