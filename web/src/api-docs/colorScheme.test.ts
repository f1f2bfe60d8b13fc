import { followAppColorScheme, resolvedScheme } from "./colorScheme";

describe("the API reference's theme", () => {
  it("is the one chosen in the app, else the system's", () => {
    expect(resolvedScheme("dark", false)).toBe("dark");
    expect(resolvedScheme("light", true)).toBe("light");
    expect(resolvedScheme("auto", true)).toBe("dark");
    expect(resolvedScheme(null, false)).toBe("light");
  });

  it("switches Swagger UI's dark theme on the page and follows a change made in the app", () => {
    localStorage.setItem("mantine-color-scheme-value", "dark");
    const root = document.createElement("html");
    followAppColorScheme(root, localStorage, window);
    expect(root.classList.contains("dark-mode")).toBe(true);
    localStorage.setItem("mantine-color-scheme-value", "light");
    window.dispatchEvent(new StorageEvent("storage", { key: "mantine-color-scheme-value" }));
    expect(root.classList.contains("dark-mode")).toBe(false);
    localStorage.clear();
  });
});
