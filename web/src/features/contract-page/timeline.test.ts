import { createCmsClient } from "@cms/sdk";
import { readTimeline, type PlacedEvent } from "./queries";

function event(seq: number): PlacedEvent {
  return { v: 1, stream: "contract:x", seq, event_id: String(seq), type: "contract.updated", actor: "did:key:z",
    at: "2027-01-01T00:00:00Z", data: {}, prev_hash: "0".repeat(64), hash: "1".repeat(64),
    anchor: { state: "anchored", tx_hash: "0x1" } };
}

// The events route as the API serves it: pages of `limit` after a sequence number, each with
// an entity tag of its body and a 304 when If-None-Match names it.
function eventsApi(count: { value: number }) {
  const statuses: number[] = [];
  const fetch = vi.fn((input: RequestInfo | URL) => {
    const request = new Request(input);
    const query = new URL(request.url).searchParams;
    const after = query.has("after") ? Number(query.get("after")) : -1;
    const limit = Number(query.get("limit"));
    const events = Array.from({ length: count.value }, (_, seq) => event(seq)).filter((item) => item.seq > after).slice(0, limit);
    const last = events.at(-1)?.seq;
    const body = JSON.stringify({ events, next_after: last !== undefined && last < count.value - 1 ? last : null });
    const tag = `"${String(body.length)}-${String(after)}-${String(last)}"`;
    const status = request.headers.get("If-None-Match") === tag ? 304 : 200;
    statuses.push(status);
    return Promise.resolve(new Response(status === 304 ? null : body, { status, headers: { ETag: tag, "Content-Type": "application/json" } }));
  });
  return { client: createCmsClient({ baseUrl: "http://api.test", fetch }), statuses };
}

describe("the live timeline", () => {
  it("sees new events past the first hundred, asking each unchanged page with its entity tag", async () => {
    const count = { value: 150 };
    const { client, statuses } = eventsApi(count);
    const first = await readTimeline(client, "c", undefined);
    expect(first.events).toHaveLength(150);

    statuses.length = 0;
    expect(await readTimeline(client, "c", first)).toBe(first); // nothing changed: 304s, same state
    expect(statuses).toEqual([304, 304]);

    count.value = 151;
    statuses.length = 0;
    const next = await readTimeline(client, "c", first);
    expect(next.events.map((item) => item.seq).at(-1)).toBe(150);
    expect(statuses).toEqual([304, 200]);
  });

  it("sees the event that opens a second page after exactly a hundred", async () => {
    const count = { value: 100 };
    const { client } = eventsApi(count);
    const first = await readTimeline(client, "c", undefined);
    count.value = 101;
    expect((await readTimeline(client, "c", first)).events).toHaveLength(101);
  });
});
