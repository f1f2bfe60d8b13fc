import type { Contract } from "../../contracts/lifecycle";

// What the contract page reads from a contract's content (its metadata); the contract itself,
// roles, statuses and instants are defined once in contracts/lifecycle.ts.
export type DocumentFormat = "html" | "pdf";

/** An attachment as the contract's content records it (metadata.attachments): part of what
 * the digest covers. */
export interface AttachmentRecord {
  id: string;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  added_at: string;
}

// metadata is free JSON the server (or a hostile one) fills: read it by shape, never trust it.
function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown> : null;
}

export function attachmentsOf(contract: Contract): AttachmentRecord[] {
  const list = contract.metadata.attachments;
  if (!Array.isArray(list)) return [];
  return list.map(record).filter((item): item is Record<string, unknown> => item !== null)
    .filter((item) => typeof item.id === "string" && typeof item.name === "string"
      && typeof item.size === "number" && typeof item.sha256 === "string")
    .map((item) => ({
      id: String(item.id), name: String(item.name), size: Number(item.size),
      sha256: String(item.sha256), media_type: typeof item.media_type === "string" ? item.media_type : "",
      uploaded_by: typeof item.uploaded_by === "string" ? item.uploaded_by : "",
      added_at: typeof item.added_at === "string" ? item.added_at : "",
    }));
}

/** The SHA-256 the contract's content records for a rendered document (so the digest covers
 * it), or null for a contract made from free-form terms. */
export function documentHash(contract: Contract, format: DocumentFormat): string | null {
  const entry = record(record(contract.metadata.document)?.[format]);
  return typeof entry?.sha256 === "string" ? entry.sha256 : null;
}

/** The metadata no dedicated section shows: every member but the rendered HTML and PDF
 * documents and the attachments (so also the other renderings' records, such as the
 * Markdown's), and those too when their shape is not the one their sections read (a hostile
 * server's). The digest covers all of metadata, so the rest is shown as it is, on the page
 * and in what you sign. */
export function otherMetadata(contract: Contract): [string, unknown][] {
  return Object.entries(contract.metadata).flatMap(([key, value]): [string, unknown][] => {
    const rest = notShownBySection(contract, key, value);
    return rest === undefined ? [] : [[key, rest]];
  });
}

function notShownBySection(contract: Contract, key: string, value: unknown): unknown {
  if (key === "attachments") {
    return Array.isArray(value) && attachmentsOf(contract).length === value.length ? undefined : value;
  }
  if (key !== "document") return value;
  const formats = record(value);
  if (formats === null) return value;
  const rest = Object.entries(formats).filter(([format]) =>
    !((format === "html" || format === "pdf") && documentHash(contract, format) !== null));
  return rest.length ? Object.fromEntries(rest) : undefined;
}

const UNITS = ["bytes", "KB", "MB", "GB"];

export function formatBytes(size: number): string {
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) { value /= 1024; unit += 1; }
  return unit === 0 ? `${size} bytes` : `${value.toFixed(1)} ${UNITS[unit] ?? ""}`;
}
