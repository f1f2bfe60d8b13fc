// Where Mantine's default colour-scheme manager keeps the theme the user chose in the app
// ("light", "dark" or "auto"): this page is served outside the app, and follows that choice.
const APP_SCHEME_KEY = "mantine-color-scheme-value";
const DARK_MODE_CLASS = "dark-mode"; // Swagger UI's own dark theme (swagger-ui.css)

/** The theme to show: the app's choice when it made one, else the system's. */
export function resolvedScheme(stored: string | null, systemPrefersDark: boolean): "light" | "dark" {
  if (stored === "light" || stored === "dark") return stored;
  return systemPrefersDark ? "dark" : "light";
}

/** Keep the page in the app's theme, also when it changes in another tab or in the system. */
export function followAppColorScheme(root: HTMLElement, storage: Storage, window_: Window): void {
  const system = window_.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    root.classList.toggle(DARK_MODE_CLASS, resolvedScheme(storage.getItem(APP_SCHEME_KEY), system.matches) === "dark");
  };
  apply();
  system.addEventListener("change", apply);
  window_.addEventListener("storage", (event) => { if (event.key === APP_SCHEME_KEY) apply(); });
}
