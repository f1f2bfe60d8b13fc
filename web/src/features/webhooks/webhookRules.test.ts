import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONTRACT_EVENT_TYPES, WEBHOOK_URL_PATTERN, webhookUrlProblem } from "./webhookRules";

interface NewWebhookSchema {
  properties: { url: { pattern: string; maxLength: number }; event_types: { items: { enum: string[] } } };
}

/** NewWebhook as the served API document (the SDK's copy) describes it; vitest runs in web/. */
function newWebhookSchema(): NewWebhookSchema {
  const text = readFileSync(resolve(process.cwd(), "../sdk/typescript/openapi.json"), "utf8");
  return (JSON.parse(text) as { components: { schemas: { NewWebhook: NewWebhookSchema } } }).components.schemas.NewWebhook;
}

// Each verdict was taken from the API's own check (cms.domain.webhooks.check_url with
// allow_private=True, as on the local stack): accepted, or refused with either status.
const ACCEPTED = [
  "https://hooks.example.com/cms",
  "HTTPS://Hooks.Example.com:8443/a/b?x=1&y=%20",
  "https://localhost:9443/hook",
  "https://127.0.0.1/hook",
  "https://[::1]:8443/",
  "https://[2001:db8::1]/x",
  "https://a.b-c.d/p:@!$&'()*+,;=~-._/?q/?",
  "https://x.example",
];
const REFUSED = [
  "",
  "http://hooks.example.com/",
  "ftp://hooks.example.com/",
  "https://u:p@hooks.example.com/",
  "https://hooks.example.com/#frag",
  "https://hooks.example.com:0/",
  "https://hooks.example.com:0443/",
  "https://hooks.example.com:65536/",
  "https://hooks.example.com/a b",
  "https://hööks.example.com/",
  "https://-bad.example.com/",
  "https://bad-.example.com/",
  "https://a..b/",
  "https:///path",
  "https://[::1%25eth0]/",
  "https://[fe80::1/",
  "https://127.1/",
  "https://2130706433/",
  "https://999.1.1.1/",
  "https://hooks.example.com/\\x",
  `https://hooks.example.com/${"a".repeat(2048)}`,
  `https://${"a.".repeat(130)}com/`,
];

describe("webhookUrlProblem", () => {
  it.each(ACCEPTED)("lets %s through to the server", (url) => {
    expect(webhookUrlProblem(url)).toBeNull();
  });

  it.each(REFUSED)("refuses %s as the API does", (url) => {
    expect(webhookUrlProblem(url)).toEqual(expect.any(String));
  });

  it("says what to do in the message", () => {
    expect(webhookUrlProblem("http://hooks.example.com/")).toMatch(/https only/);
    expect(webhookUrlProblem("https://u:p@hooks.example.com/")).toMatch(/user name or password/);
    expect(webhookUrlProblem("https://hooks.example.com/#x")).toMatch(/fragment/);
  });

  it("uses the very pattern the API document carries", () => {
    const { url } = newWebhookSchema().properties;
    expect(url.pattern).toBe(WEBHOOK_URL_PATTERN);
    expect(url.maxLength).toBe(2048);
  });

  it("lists every event type the API knows, once", () => {
    const known = newWebhookSchema().properties.event_types.items.enum;
    expect([...CONTRACT_EVENT_TYPES].sort()).toEqual([...known].sort());
  });
});
