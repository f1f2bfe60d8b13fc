import type { components } from "./generated/schema";

export type ProblemDocument = components["schemas"]["Problem"];
export type ProblemItem = components["schemas"]["ProblemItem"];

/** An API answer outside 2xx: the RFC 9457 problem with its stable `code` to branch on. */
export class CmsProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: readonly ProblemItem[];
  readonly problem: ProblemDocument;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, problem: ProblemDocument, retryAfterSeconds?: number) {
    super(`${problem.code}: ${problem.detail}`);
    this.name = "CmsProblem";
    this.status = status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The answer could not be read as a problem document (a proxy's HTML page, a dropped
 * connection): still a CmsProblem, so callers handle one error type. */
export function problemFromUnreadable(status: number, text: string): CmsProblem {
  return new CmsProblem(status, {
    type: "about:blank",
    title: status === 0 ? "Network error" : `HTTP ${status}`,
    status: status === 0 ? null : status,
    code: status === 0 ? "network_error" : "unreadable_response",
    detail: text.slice(0, 500) || "the server's answer could not be read",
    errors: null,
  });
}

export function isProblemDocument(value: unknown): value is ProblemDocument {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === "string" && typeof candidate.title === "string"
    && typeof candidate.detail === "string";
}
