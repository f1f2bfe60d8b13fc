/** What a deployment tells the UI at run time (the local gateway and CloudFront serve it). */
export interface RuntimeConfig {
  /** The API's origin; "" when the API is served from the UI's own origin. */
  apiUrl: string;
  /** The chain the ledger anchors on, as a default for the in-browser receipt verifier. */
  chainRpcUrl?: string;
}

const SAME_ORIGIN: RuntimeConfig = { apiUrl: "" };

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  try {
    const response = await fetch("/config.json", { cache: "no-store" });
    if (!response.ok) return SAME_ORIGIN;
    const body = (await response.json()) as Partial<RuntimeConfig>;
    return {
      apiUrl: typeof body.apiUrl === "string" ? body.apiUrl.replace(/\/+$/, "") : "",
      ...(typeof body.chainRpcUrl === "string" ? { chainRpcUrl: body.chainRpcUrl } : {}),
    };
  } catch {
    return SAME_ORIGIN;
  }
}
