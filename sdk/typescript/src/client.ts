import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./generated/schema";
import { CmsProblem, isProblemDocument, problemFromUnreadable } from "./problems";

export type Schemas = components["schemas"];
export type CmsApi = Client<paths>;

export interface CmsClientOptions {
  /** The API's origin, e.g. "http://127.0.0.1:8080"; "" for the page's own origin. */
  baseUrl: string;
  /** The current access token, if signed in; read on every request. */
  token?: () => string | undefined;
  /** Called once per answer that says the token is no longer accepted (401 on a route that
   * needed it): the place to lead the user back to sign-in. */
  onUnauthorized?: (problem: CmsProblem) => void;
  fetch?: typeof globalThis.fetch;
}

/** A client typed from the served OpenAPI document. Every non-2xx answer is thrown as a
 * CmsProblem, so `data` is always the 2xx body (or undefined for 304). */
export function createCmsClient(options: CmsClientOptions): CmsApi {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: options.fetch ?? ((request: Request) => globalThis.fetch(request)),
  });
  client.use(bearerToken(options), problemsAsErrors(options));
  baseUrls.set(client, options.baseUrl);
  return client;
}

/** A 2xx answer's body: `data` is undefined only when the server sent none (e.g. a 304 to a
 * request that did not ask for one), which a caller expecting a body cannot use. */
export function present<T>(data: T | undefined): T {
  if (data === undefined) throw new Error("the server answered without a body");
  return data;
}

// openapi-fetch keeps its baseUrl private; sign-in needs it to check which origin a challenge
// is bound to, so each client's is remembered here.
const baseUrls = new WeakMap<CmsApi, string>();

/** The baseUrl a client was created with ("" for the page's own origin), if it is ours. */
export function baseUrlOf(client: CmsApi): string | undefined {
  return baseUrls.get(client);
}

function bearerToken(options: CmsClientOptions): Middleware {
  return {
    onRequest({ request }) {
      const token = options.token?.();
      if (token && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  };
}

function problemsAsErrors(options: CmsClientOptions): Middleware {
  return {
    async onResponse({ request, response }) {
      if (response.ok || response.status === 304) return response;
      const problem = await readProblem(response);
      if (response.status === 401 && request.headers.has("Authorization")) {
        options.onUnauthorized?.(problem);
      }
      throw problem;
    },
    onError({ error }) {
      if (error instanceof CmsProblem) return error;
      return problemFromUnreadable(0, error instanceof Error ? error.message : String(error));
    },
  };
}

async function readProblem(response: Response): Promise<CmsProblem> {
  const text = await response.clone().text();
  const retryAfter = Number(response.headers.get("Retry-After") ?? Number.NaN);
  try {
    const body: unknown = JSON.parse(text);
    if (isProblemDocument(body)) {
      return new CmsProblem(response.status, body, Number.isFinite(retryAfter) ? retryAfter : undefined);
    }
  } catch {
    // Not JSON: described below as unreadable.
  }
  return problemFromUnreadable(response.status, text);
}
