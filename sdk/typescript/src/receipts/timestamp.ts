/**
 * The one timestamp grammar contract content is checked and normalised with, as the Python
 * domain defines it (cms.domain.canonical.parse_timestamp): YYYY-MM-DDTHH:MM:SS[.ffffff]
 * (Z|±HH:MM), ASCII digits, every field in range, a UTC result in years 1-9999.
 * Hand-written because Date.parse's grammar is implementation-defined and Date.UTC rolls
 * over (minute 99 becomes the next hour) and reads years 0-99 as 1900-1999.
 */

const TIMESTAMP = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?(Z|[+-][0-9]{2}:[0-9]{2})$/;
const MINUTE = 60_000;
// 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: Python's datetime range.
const EARLIEST = -62_135_596_800_000;
const LATEST = 253_402_300_799_999;

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** Milliseconds since the epoch (microseconds truncated), or null when not a timestamp. */
export function parseTimestamp(value: unknown): number | null {
  const match = typeof value === "string" ? TIMESTAMP.exec(value) : null;
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = match[7] ?? "";
  const zone = match[8] ?? "Z";
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (zone !== "Z") {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (hours > 23 || minutes > 59) return null;
    offset = (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0-99 as 19xx
  date.setUTCHours(hour, minute, second, Number(fraction.padEnd(3, "0").slice(0, 3)));
  const utc = date.getTime() - offset * MINUTE;
  return utc >= EARLIEST && utc <= LATEST ? utc : null;
}

/** iso_utc: YYYY-MM-DDTHH:MM:SS.mmmZ (toISOString writes years 1-9999 with four digits). */
export const isoUtc = (epochMs: number): string => new Date(epochMs).toISOString();
