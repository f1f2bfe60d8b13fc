import { createContext, useContext } from "react";
import type { RuntimeConfig } from "./runtimeConfig";

export const RuntimeConfigContext = createContext<RuntimeConfig>({ apiUrl: "" });

export function useRuntimeConfig(): RuntimeConfig {
  return useContext(RuntimeConfigContext);
}
