import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { loadRuntimeConfig } from "./api/runtimeConfig";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");

// The API's address comes from /config.json at run time, so one build serves every deployment.
void loadRuntimeConfig().then((config) => {
  createRoot(root).render(
    <StrictMode>
      <App config={config} />
    </StrictMode>,
  );
});
