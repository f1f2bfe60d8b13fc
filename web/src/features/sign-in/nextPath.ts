/** Where to go after signing in: the `next` parameter when it is a path on this site. Anything
 * else ("//evil.example", "https://…", "/\\evil") would make the sign-in page an open
 * redirect, so it becomes the dashboard. */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get("next");
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}
