import { describe, expect, it } from "vitest";
import { apiQuery, filtersFromSearch, NO_FILTERS, searchFromFilters, startOfLocalDay, withScopeFor } from "./listQuery";

describe("the contracts list's filters", () => {
  it("map to the listContracts query: local days become instants, empty ones are left out", () => {
    const filters = filtersFromSearch(new URLSearchParams(
      "status=review&role=consumer&counterparty=did:key:z6Mkabc&template=ai_training"
      + "&createdFrom=2026-12-01&createdTo=2026-12-07&validOn=2027-01-15&q=%20licence%20"));
    expect(apiQuery(filters, "2026-12-07T06:00:00.000Z_7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10")).toEqual({
      limit: 20, status: "review", role: "consumer", counterparty: "did:key:z6Mkabc",
      template_id: "ai_training",
      created_after: new Date(2026, 11, 1).toISOString(),
      created_before: new Date(2026, 11, 8).toISOString(), // the whole last day is included
      valid_at: new Date(2027, 0, 15, 12).toISOString(),
      q: "licence",
      cursor: "2026-12-07T06:00:00.000Z_7d5b0f7e-2a51-4a47-9c43-3f6f0e4f7a10",
    });
    expect(apiQuery(NO_FILTERS)).toEqual({ limit: 20 });
  });

  it("round-trip through the URL and drop what is not theirs", () => {
    const filters = { ...NO_FILTERS, status: "signed" as const, q: "model", createdFrom: "2026-12-01" };
    expect(filtersFromSearch(searchFromFilters(filters))).toEqual(filters);
    expect(searchFromFilters(filters).toString()).toBe("status=signed&createdFrom=2026-12-01&q=model");
    expect(filtersFromSearch(new URLSearchParams("status=bogus&role=admin&createdTo=yesterday"))).toEqual(NO_FILTERS);
  });

  it("keep a non-overseer in their own scope, whatever a shared link says", () => {
    const shared = filtersFromSearch(new URLSearchParams("scope=all&status=active"));
    expect(withScopeFor(false, shared)).toEqual({ ...shared, scope: "mine" });
    expect(withScopeFor(true, shared)).toBe(shared);
  });

  it("ask for every contract in the all scope, without the caller's role", () => {
    const filters = filtersFromSearch(new URLSearchParams("scope=all&role=provider&status=active"));
    expect(filters.scope).toBe("all");
    expect(apiQuery(filters)).toEqual({ limit: 20, status: "active", scope: "all" });
    expect(searchFromFilters(filters).get("scope")).toBe("all");
    expect(filtersFromSearch(new URLSearchParams("scope=everything")).scope).toBe("mine");
    expect(searchFromFilters(NO_FILTERS).has("scope")).toBe(false);
  });

  it("count a month's end into the next month", () => {
    expect(startOfLocalDay("2026-12-31", 1)).toBe(new Date(2027, 0, 1).toISOString());
  });
});
