import type { Schemas } from "@cms/sdk";

export type ContractEventType = NonNullable<Schemas["NewWebhook"]["event_types"]>[number];

/** The events a webhook may filter on, in lifecycle order. The type below fails to compile if
 * the API document gains or loses one, so the list cannot drift from the server's. */
export const CONTRACT_EVENT_TYPES = [
  "contract.created", "contract.updated", "contract.attachment_added", "contract.submitted",
  "contract.changes_requested", "contract.signed", "contract.activated", "contract.reminder",
  "contract.completed", "contract.terminated", "contract.expired",
] as const satisfies readonly ContractEventType[];
type OnlyWhenNone<T extends never> = T;
export type UnlistedEventTypes = OnlyWhenNone<Exclude<ContractEventType, (typeof CONTRACT_EVENT_TYPES)[number]>>;

export const MAX_URL_LENGTH = 2048;
const MAX_HOST_LENGTH = 253;

// The rules of cms.domain.webhooks.check_url that do not depend on the deployment: the same
// character set and the same pattern the API document carries for NewWebhook.url (a test
// compares it with sdk/typescript/openapi.json). Whether a host is public depends on DNS and on
// the deployment (the local stack allows loopback receivers), so that is left to the server.
const URL_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

export const WEBHOOK_URL_PATTERN = webhookUrlPattern();

function webhookUrlPattern(): string {
  const h16 = "[0-9A-Fa-f]{1,4}";
  const octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
  const ipv4 = `${octet}(?:\\.${octet}){3}`;
  const ls32 = `(?:${h16}:${h16}|${ipv4})`;
  const ipv6 = [
    `(?:${h16}:){6}${ls32}`, `::(?:${h16}:){5}${ls32}`,
    `(?:${h16})?::(?:${h16}:){4}${ls32}`,
    `(?:(?:${h16}:){0,1}${h16})?::(?:${h16}:){3}${ls32}`,
    `(?:(?:${h16}:){0,2}${h16})?::(?:${h16}:){2}${ls32}`,
    `(?:(?:${h16}:){0,3}${h16})?::${h16}:${ls32}`,
    `(?:(?:${h16}:){0,4}${h16})?::${ls32}`, `(?:(?:${h16}:){0,5}${h16})?::${h16}`,
    `(?:(?:${h16}:){0,6}${h16})?::`,
  ].join("|");
  const label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
  const host = `(?:${label}(?:\\.${label})*|\\[(?:${ipv6})\\])`;
  const port = "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
  const pchar = "A-Za-z0-9._~!$&'()*+,;=%:@";
  return `^[Hh][Tt][Tt][Pp][Ss]://${host}(?::${port})?(?:/[${pchar}/-]*)?(?:\\?[${pchar}/?-]*)?$`;
}

const WEBHOOK_URL = new RegExp(WEBHOOK_URL_PATTERN);
const DOTTED_IPV4 = /^(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

/** Why the API would refuse `url` whatever the deployment, in a sentence; null if it may pass
 * (the server still checks where the host resolves). */
export function webhookUrlProblem(url: string): string | null {
  if (url.length === 0) return "Enter the receiver's URL.";
  if (url.length > MAX_URL_LENGTH) return `The URL must have at most ${MAX_URL_LENGTH.toLocaleString("en")} characters.`;
  if (!URL_CHARS.test(url)) {
    return "The URL may only contain URL characters: percent-encode spaces and other characters, and use the punycode form of international names.";
  }
  if (!/^https:\/\//i.test(url)) return "Webhooks are delivered over https only: the URL must start with https://.";
  if (url.includes("#")) return "The URL must not have a fragment (#…).";
  const authority = url.slice("https://".length).split(/[/?]/, 1)[0] ?? "";
  if (authority.includes("@")) return "The URL must not carry a user name or password.";
  const host = hostOf(authority);
  if (!host) return "The URL must name a host.";
  if (!WEBHOOK_URL.test(url)) {
    return "The URL must look like https://host[:port][/path][?query], with a host name, a dotted IPv4 address or a bracketed IPv6 address, and a port from 1 to 65535.";
  }
  if (!host.startsWith("[")) {
    if (host.length > MAX_HOST_LENGTH) return "The host name is longer than any name that resolves.";
    const last = host.split(".").at(-1) ?? "";
    if (/^[0-9]+$/.test(last) && !DOTTED_IPV4.test(host)) {
      return "The host is neither a host name nor a dotted IPv4 address.";
    }
  }
  return null;
}

function hostOf(authority: string): string {
  if (authority.startsWith("[")) return authority.slice(0, authority.indexOf("]") + 1);
  return authority.split(":", 1)[0] ?? "";
}
