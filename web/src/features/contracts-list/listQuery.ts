import type { paths } from "@cms/sdk";
import { isStatus, type ContractStatus } from "../../contracts/lifecycle";

/** The list's tab, filters and search as the URL carries them (shareable; the back button
 * steps through them). Dates are the user's local calendar days (YYYY-MM-DD). */
export interface ListFilters {
  status: ContractStatus | "all";
  role: "provider" | "consumer" | "";
  counterparty: string;
  template: string;
  createdFrom: string;
  createdTo: string;
  validOn: string;
  q: string;
  /** mine: the caller's contracts; all: every contract (auditors and admins read them all). */
  scope: "mine" | "all";
}

export type ListQuery = NonNullable<paths["/api/v1/contracts"]["get"]["parameters"]["query"]>;

export const PAGE_SIZE = 20;

const TEXT_KEYS = ["counterparty", "template", "createdFrom", "createdTo", "validOn", "q"] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const NO_FILTERS: ListFilters = {
  status: "all", role: "", counterparty: "", template: "", createdFrom: "", createdTo: "", validOn: "", q: "", scope: "mine",
};

export function filtersFromSearch(search: URLSearchParams): ListFilters {
  const status = search.get("status");
  const role = search.get("role");
  const filters: ListFilters = {
    ...NO_FILTERS,
    status: isStatus(status) ? status : "all",
    role: role === "provider" || role === "consumer" ? role : "",
    scope: search.get("scope") === "all" ? "all" : "mine",
  };
  for (const key of TEXT_KEYS) filters[key] = search.get(key)?.trim() ?? "";
  for (const key of ["createdFrom", "createdTo", "validOn"] as const) {
    if (!DAY.test(filters[key])) filters[key] = "";
  }
  return filters;
}

export function searchFromFilters(filters: ListFilters): URLSearchParams {
  const search = new URLSearchParams();
  if (filters.status !== "all") search.set("status", filters.status);
  if (filters.role) search.set("role", filters.role);
  for (const key of TEXT_KEYS) if (filters[key].trim()) search.set(key, filters[key].trim());
  if (filters.scope === "all") search.set("scope", "all");
  return search;
}

/** The start of a local calendar day as an instant; `days` later for an exclusive end. */
export function startOfLocalDay(day: string, days = 0): string {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year ?? 1970, (month ?? 1) - 1, (date ?? 1) + days).toISOString();
}

/** The listContracts query for these filters: a created range covers whole local days,
 * "valid on" asks about noon of that day (the middle, so zones near it agree). */
export function apiQuery(filters: ListFilters, cursor?: string, limit = PAGE_SIZE): ListQuery {
  const query: ListQuery = { limit };
  if (filters.status !== "all") query.status = filters.status;
  // Every contract has no "my role": the API ignores it there, so it is not sent.
  if (filters.scope === "all") query.scope = "all";
  else if (filters.role) query.role = filters.role;
  if (filters.counterparty) query.counterparty = filters.counterparty;
  if (filters.template) query.template_id = filters.template;
  if (filters.createdFrom) query.created_after = startOfLocalDay(filters.createdFrom);
  if (filters.createdTo) query.created_before = startOfLocalDay(filters.createdTo, 1);
  if (filters.validOn) {
    const [year, month, date] = filters.validOn.split("-").map(Number);
    query.valid_at = new Date(year ?? 1970, (month ?? 1) - 1, date ?? 1, 12).toISOString();
  }
  if (filters.q) query.q = filters.q;
  if (cursor) query.cursor = cursor;
  return query;
}

export function hasFilters(filters: ListFilters): boolean {
  return TEXT_KEYS.some((key) => filters[key] !== "") || filters.role !== "";
}

export function sameFilters(a: ListFilters, b: ListFilters): boolean {
  return searchFromFilters(a).toString() === searchFromFilters(b).toString();
}

/** The filters as `overseer` (an auditor or admin) may use them: anyone else sees their own. */
export function withScopeFor(overseer: boolean, filters: ListFilters): ListFilters {
  return overseer || filters.scope === "mine" ? filters : { ...filters, scope: "mine" };
}
