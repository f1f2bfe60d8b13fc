import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "@mantine/charts/styles.css";
import "./global.css";
import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { RouterProvider } from "react-router";
import type { RuntimeConfig } from "../api/runtimeConfig";
import { RuntimeConfigContext } from "../api/runtimeConfigContext";
import { createQueryClient } from "../api/queryClient";
import { SignerProvider } from "../auth/SignerProvider";
import { router } from "./routes";
import { theme } from "./theme";

export function App({ config }: { config: RuntimeConfig }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <RuntimeConfigContext.Provider value={config}>
      <MantineProvider theme={theme} defaultColorScheme="auto">
        <Notifications position="top-right" />
        <QueryClientProvider client={queryClient}>
          <SignerProvider>
            <RouterProvider router={router} />
          </SignerProvider>
        </QueryClientProvider>
      </MantineProvider>
    </RuntimeConfigContext.Provider>
  );
}
