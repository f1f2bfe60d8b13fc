import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { RuntimeConfigContext } from "../api/runtimeConfigContext";

export const TEST_API = "http://cms.test";

/** What a screen needs around it in a component test: config, theme, queries, a router. */
export function Providers({ children, path = "/" }: { children: ReactNode; path?: string }) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return (
    <RuntimeConfigContext.Provider value={{ apiUrl: TEST_API }}>
      <MantineProvider>
        <QueryClientProvider client={client}>
          <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>
    </RuntimeConfigContext.Provider>
  );
}

/** A fetch that answers each path with JSON (404 problem for any other). */
export function answering(routes: Record<string, unknown>): typeof fetch {
  return (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = routes[url.pathname];
    if (body === undefined) {
      return Promise.resolve(new Response(JSON.stringify({ type: "about:blank", title: "Not found", status: 404,
        code: "not_found", detail: url.pathname }), { status: 404, headers: { "Content-Type": "application/problem+json" } }));
    }
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } }));
  };
}
