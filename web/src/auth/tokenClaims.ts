/** When the token was issued, read from its own claims (iat) for display only: the API checks
 * the signature; the UI never trusts a claim for a decision. Null if it cannot be read. */
export function issuedAt(token: string): Date | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const { iat } = JSON.parse(json) as { iat?: unknown };
    return typeof iat === "number" && Number.isFinite(iat) ? new Date(iat * 1000) : null;
  } catch {
    return null;
  }
}
