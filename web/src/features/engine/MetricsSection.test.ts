import { describe, expect, it } from "vitest";
import { metricRows, tableRows } from "./MetricsSection";
import { percent, percentText } from "./percent";
import type { Schemas } from "@cms/sdk";

const METRICS: Schemas["EngineMetrics"] = {
  total_executions: 1234, total_gas_consumed: 987654, avg_execution_time_ms: 1.5, success_rate: 0.975,
  cache_hit_rate: 0.5, cache_utilization: 0.125, contracts: 4, active_contracts: 3, recent_executions: 42,
  recent_error_rate: 0.0125, window_minutes: 15,
  cache: { scope: "instance", hits: 10, misses: 5, hit_rate: 0.667, entries: 3, max_entries: 100 } as Schemas["ResultCacheStats"],
};

describe("the engine metrics' table", () => {
  it("carries every value the (hidden) charts show", () => {
    const rows = metricRows(METRICS);
    const table = new Map(tableRows(METRICS));
    for (const row of rows.rates) expect(table.get(row.measure)).toBe(`${row.percent.toFixed(1)}%`);
    for (const row of rows.executions) expect(table.get(row.measure)).toBe(row.count.toLocaleString("en"));
    expect(table.get("Last 15 min")).toBe("42");
  });

  it("has one percent helper: a number for the charts and its text", () => {
    expect(percent(0.975)).toBe(97.5);
    expect(percentText(0.975)).toBe("97.5%");
    expect(percentText(0.0125)).toBe("1.3%");
  });
});
