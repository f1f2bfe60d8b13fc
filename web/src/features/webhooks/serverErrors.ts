import type { PlainProblem } from "../../api/problemText";

/** The API's refusal of a registration placed by field: the URL's own problems (its shape,
 * and a host that is not public, which carries no pointer), the event types', or the form's. */
export function registrationErrors(problem: PlainProblem): { url?: string; eventTypes?: string; unplaced: boolean } {
  const url = problem.fields["/url"] ?? (problem.code === "webhook_host_refused" ? problem.detail : undefined);
  const typeMessages = Object.entries(problem.fields).filter(([pointer]) => pointer.startsWith("/event_types"));
  const eventTypes = typeMessages.length ? `${typeMessages.map(([, message]) => message).join("; ")}. ${problem.detail}` : undefined;
  return { url, eventTypes, unplaced: url === undefined && eventTypes === undefined };
}
