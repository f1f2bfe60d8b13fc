import { createCmsClient, type Schemas } from "@cms/sdk";
import { afterEach, describe, expect, it, vi } from "vitest";
import { STATUSES } from "../../contracts/lifecycle";
import { FOLLOWED_STATES, loadOverview, MAX_FOLLOWED_PAGES, PER_STATE } from "./dashboardData";

type Contract = Schemas["Contract"];
const ME = "did:key:z6Mkme";
const THEM = "did:key:z6Mkthem";
const NOW = new Date("2026-12-07T12:00:00Z");

function inReview(id: string): Contract {
  return {
    id, title: id, description: "", provider_did: THEM, consumer_did: ME, terms: {}, metadata: {},
    valid_from: "2026-12-01T00:00:00.000Z", valid_until: "2027-12-01T00:00:00.000Z", status: "review",
    digest: "d", content_digest: "x", signatures: [], required_signers: [THEM, ME], pending_signers: [ME],
    signing_deadline: null, created_at: "2026-12-01T00:00:00.000Z", updated_at: "2026-12-01T00:00:00.000Z",
    version: 2, head_hash: "h",
  };
}

/** The API as the dashboard meets it: `reviewPages` pages of contracts in review, each with a
 * cursor to the next (the last says "more" when `endless`); every other state is empty. */
function fakeApi(reviewPages: Contract[][], endless = false) {
  const asked: URL[] = [];
  vi.stubGlobal("fetch", vi.fn((input: RequestInfo | URL) => {
    const url = new URL(new Request(input).url);
    asked.push(url);
    if (url.searchParams.get("status") !== "review") return Promise.resolve(Response.json({ items: [] }));
    const page = Number(url.searchParams.get("cursor") ?? "0");
    const last = page === reviewPages.length - 1;
    const next = last && !endless ? null : String(page + 1);
    return Promise.resolve(Response.json({ items: reviewPages[page] ?? [], next_cursor: next }));
  }));
  return asked;
}

const overview = () => loadOverview(createCmsClient({ baseUrl: "http://api.test" }), ME, NOW,
  new AbortController().signal);

afterEach(() => { vi.unstubAllGlobals(); });

describe("what waits for me on the dashboard", () => {
  it("includes older contracts in review past a short or empty first page", async () => {
    // A status-filtered page may come back short, even empty, with more to read.
    const asked = fakeApi([[], [inReview("newer")], [inReview("older")]]);
    const { waiting, waitingCapped, counts } = await overview();
    expect(waiting.map((w) => [w.contract.id, w.waiting])).toEqual([["newer", "sign"], ["older", "sign"]]);
    expect(waitingCapped).toBe(false);
    expect(counts.find((c) => c.status === "review")).toEqual({ status: "review", count: 2, more: false });
    expect(asked.filter((url) => url.searchParams.get("status") === "review")).toHaveLength(3);
    expect(asked.every((url) => url.searchParams.get("limit") === String(PER_STATE))).toBe(true);
  });

  it("stops at the cap, says so, and keeps the requests bounded", async () => {
    const pages = Array.from({ length: MAX_FOLLOWED_PAGES + 3 }, (_, i) => [inReview(`c${String(i)}`)]);
    const asked = fakeApi(pages, true);
    const { waiting, waitingCapped } = await overview();
    expect(waiting).toHaveLength(MAX_FOLLOWED_PAGES);
    expect(waitingCapped).toBe(true);
    expect(asked.filter((url) => url.searchParams.get("status") === "review")).toHaveLength(MAX_FOLLOWED_PAGES);
    expect(asked.length).toBeLessThanOrEqual(STATUSES.length + FOLLOWED_STATES.length * (MAX_FOLLOWED_PAGES - 1));
  });
});
