// swagger-ui-dist ships prebuilt bundles without types; this names only what main.ts uses.
declare module "swagger-ui-dist/swagger-ui-es-bundle.js" {
  interface SwaggerUIOptions {
    url: string;
    domNode: HTMLElement;
    /** null: no badge fetched from the public validator service. */
    validatorUrl: string | null;
    deepLinking?: boolean;
    /** false: options are never read from the page's query string (a known XSS vector). */
    queryConfigEnabled?: boolean;
    syntaxHighlight?: false;
    docExpansion?: "list" | "full" | "none";
    defaultModelsExpandDepth?: number;
    onComplete?: () => void;
  }
  const SwaggerUIBundle: (options: SwaggerUIOptions) => unknown;
  export default SwaggerUIBundle;
}
