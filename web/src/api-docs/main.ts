// The API reference for people (/api-docs): Swagger UI renders the document the API serves.
// Swagger UI, not Redoc or Scalar: its prebuilt bundle runs under the app's strict CSP (no
// eval, no inline script), while Scalar needs 'unsafe-eval' and Redoc 3 needs Node 22.
import "swagger-ui-dist/swagger-ui.css";
import "./api-docs.css";
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-es-bundle.js";
import { loadRuntimeConfig } from "../api/runtimeConfig";
import { followAppColorScheme } from "./colorScheme";

const OPENAPI_PATH = "/api/v1/openapi.json";

followAppColorScheme(document.documentElement, localStorage, window);

const container = document.getElementById("api-reference");
if (!container) throw new Error("api-docs/index.html has no #api-reference element");

// The API's origin comes from /config.json as for the app ("" when it is this origin).
void loadRuntimeConfig().then(({ apiUrl }) => {
  SwaggerUIBundle({
    url: apiUrl + OPENAPI_PATH,
    domNode: container,
    validatorUrl: null,
    queryConfigEnabled: false,
    // Off: a deep link is an anchor inside each operation's toggle button (nested
    // interactive controls, which screen readers and axe reject).
    deepLinking: false,
    docExpansion: "list",
    // Plain examples: the highlighter's colours fail AA contrast on its dark background.
    syntaxHighlight: false,
    defaultModelsExpandDepth: 0,
  });
});
