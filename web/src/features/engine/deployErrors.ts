import { plainProblem } from "../../api/problemText";

/** A refused deployment's messages by field, as paths a person reads ("functions › transfer
 * › params › 0 › type"), for the fields under `prefix` (a JSON pointer into the request:
 * "/manifest", "/init_args"); the rest, and a problem without fields, under "". */
export function deployErrors(error: unknown, prefixes: readonly string[]): Record<string, Record<string, string>> {
  const byPrefix: Record<string, Record<string, string>> = {};
  const problem = plainProblem(error);
  const entries = Object.entries(problem.fields);
  if (entries.length === 0) return { "": { "": `${problem.title} ${problem.detail}` } };
  for (const [pointer, message] of entries) {
    const prefix = prefixes.find((candidate) => pointer === candidate || pointer.startsWith(`${candidate}/`)) ?? "";
    const path = pointer.slice(prefix.length).split("/").filter(Boolean).map(unescapePointer).join(" › ");
    (byPrefix[prefix] ??= {})[path] = message;
  }
  return byPrefix;
}

function unescapePointer(token: string): string {
  return token.replaceAll("~1", "/").replaceAll("~0", "~");
}
