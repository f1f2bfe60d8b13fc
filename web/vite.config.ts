import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm run dev` talks to a running local stack (make run) through this proxy.
const localStack = `http://127.0.0.1:${process.env.CMS_PORT ?? "8080"}`;

export default defineConfig({
  plugins: [react()],
  // @cms/sdk is linked from ../sdk/typescript; one copy of each shared library in the bundle.
  resolve: { dedupe: ["react", "react-dom", "viem", "openapi-fetch"] },
  build: {
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 800,
    // Two pages: the app, and the API reference (/api-docs), which loads none of the app.
    rolldownOptions: {
      input: {
        app: fileURLToPath(new URL("./index.html", import.meta.url)),
        apiDocs: fileURLToPath(new URL("./api-docs/index.html", import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      // "/api/", not "/api": the API reference page (/api-docs) is this server's.
      "/api/": localStack,
      "/health": localStack,
      "/.well-known": localStack,
      "/config.json": localStack,
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // Whole-form tests type into rjsf forms in jsdom: seconds each on a loaded 2-core machine.
    testTimeout: 30_000,
    // @rjsf/mantine imports dayjs plugins without file extensions, which only a bundler
    // resolves: let Vite transform it in tests as it does in the build.
    server: { deps: { inline: ["@rjsf/mantine"] } },
  },
});
