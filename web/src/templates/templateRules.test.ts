import { describe, expect, it } from "vitest";
import { resolve, ruleProblems, type TemplateRule } from "./templateRules";

// The built-in ai_training template's rules (layers/cms/python/cms/domain/templates/builtin).
const TRAINING_RULES: TemplateRule[] = [
  { rule: "before", first: "/start_date", then: "/end_date", message: "must be after the start date" },
  { rule: "sum_equals", items: "/payment/installments", field: "amount", total: "/payment/total" },
  { rule: "each_within", items: "/payment/installments", field: "due", from: "/start_date", until: "/end_date" },
  { rule: "below_reciprocal", path: "/privacy_budget/delta", of_sum: ["/datasets", "size"],
    message: "delta must be below 1/(total records in the datasets)" },
  { rule: "unique", items: "/datasets", field: "id" },
];

function training(changes: Record<string, unknown> = {}) {
  return {
    start_date: "2027-01-01", end_date: "2027-07-01",
    datasets: [{ id: "mnist-train", size: 60000 }, { id: "mnist-test", size: 10000 }],
    privacy_budget: { epsilon: 3, delta: 1e-6, accountant: "prv" },
    payment: { total: 0.3, currency: "EUR", schedule: "milestones",
      installments: [{ due: "2027-02-01", amount: 0.1 }, { due: "2027-06-30", amount: 0.2 }] },
    ...changes,
  };
}

describe("the template rules, as the server checks them", () => {
  it("find nothing wrong in variables that hold (sums exact as decimals: 0.1 + 0.2 = 0.3)", () => {
    expect(ruleProblems(TRAINING_RULES, training())).toEqual([]);
  });

  it("before: the end must come after the start, with the rule's own message", () => {
    expect(ruleProblems(TRAINING_RULES.slice(0, 1), training({ end_date: "2027-01-01" }))).toEqual([
      { pointer: "/end_date", message: "must be after the start date" }]);
    // A date and a date-time do not compare; an impossible day is no date.
    expect(ruleProblems(TRAINING_RULES.slice(0, 1), training({ end_date: "2027-07-01T00:00:00Z" }))).toHaveLength(1);
    expect(ruleProblems(TRAINING_RULES.slice(0, 1), training({ end_date: "2027-02-30" }))).toHaveLength(1);
    // Absent fields: the rule does not apply (the schema says what is required).
    expect(ruleProblems(TRAINING_RULES.slice(0, 1), { start_date: "2027-01-01" })).toEqual([]);
    // Date-times compare as instants across zones.
    const times: TemplateRule[] = [{ rule: "before", first: "/a", then: "/b" }];
    expect(ruleProblems(times, { a: "2027-01-01T10:00:00+02:00", b: "2027-01-01T09:00:00Z" })).toEqual([]);
    expect(ruleProblems(times, { a: "2027-01-01T10:00:00Z", b: "2027-01-01T10:00:00" })).toEqual([
      { pointer: "/b", message: "must be after /a" }]);
    expect(ruleProblems(times, { a: 1, b: 2 })).toEqual([]);
  });

  it("sum_equals: the instalments must add up to the total", () => {
    const payment = { total: 100, currency: "EUR", schedule: "once",
      installments: [{ due: "2027-02-01", amount: 60 }, { due: "2027-03-01", amount: 30 }] };
    expect(ruleProblems(TRAINING_RULES.slice(1, 2), training({ payment }))).toEqual([
      { pointer: "/payment/installments", message: "the amounts must add up to /payment/total (100)" }]);
    const missing = { ...payment, installments: [{ due: "2027-02-01" }] };
    expect(ruleProblems(TRAINING_RULES.slice(1, 2), training({ payment: missing }))).toHaveLength(1);
    expect(ruleProblems(TRAINING_RULES.slice(1, 2), training({ payment: { ...payment, installments: [] } }))).toEqual([]);
  });

  it("each_within: every due date lies in the validity, each named by its index", () => {
    const payment = { total: 3, installments: [{ due: "2026-12-31", amount: 1 }, { due: "2027-07-01", amount: 1 },
      { due: "2027-07-02", amount: 1 }] };
    expect(ruleProblems(TRAINING_RULES.slice(2, 3), training({ payment }))).toEqual([
      { pointer: "/payment/installments/0/due", message: "must be between /start_date and /end_date" },
      { pointer: "/payment/installments/2/due", message: "must be between /start_date and /end_date" }]);
  });

  it("below_reciprocal: delta below one over the records, summed over the datasets", () => {
    const rule = TRAINING_RULES.slice(3, 4);
    const budget = (delta: number) => ({ epsilon: 3, delta, accountant: "prv" });
    expect(ruleProblems(rule, training({ privacy_budget: budget(0.0000143) }))).toEqual([
      { pointer: "/privacy_budget/delta", message: "delta must be below 1/(total records in the datasets)" }]);
    expect(ruleProblems(rule, training({ privacy_budget: budget(0.0000142) }))).toEqual([]);
    const plain: TemplateRule[] = [{ rule: "below_reciprocal", path: "/delta", of: "/size" }];
    expect(ruleProblems(plain, { delta: 0.5, size: 2 })).toEqual([
      { pointer: "/delta", message: "must be below 1/2 (one over the number of records)" }]);
    expect(ruleProblems(plain, { delta: 0.5, size: 0 })).toEqual([]);
  });

  it("unique: a repeated id is named at its second place; missing ids count as one value", () => {
    const datasets = [{ id: "a", size: 1 }, { id: "b", size: 1 }, { id: "a", size: 1 }, { size: 1 }, { size: 1 }];
    expect(ruleProblems(TRAINING_RULES.slice(4), training({ datasets }))).toEqual([
      { pointer: "/datasets/2/id", message: "must be unique" },
      { pointer: "/datasets/4/id", message: "must be unique" }]);
  });

  it("resolve follows RFC 6901, escapes included", () => {
    expect(resolve({ "a/b": { "c~d": [1, 2] } }, "/a~1b/c~0d/1")).toBe(2);
    expect(resolve({ a: [1] }, "/a/0")).toBe(1);
  });
});
