import "@testing-library/jest-dom/vitest";
import "fake-indexeddb/auto";

// Mantine reads these browser APIs that jsdom does not have.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false, media: query, onchange: null,
    addListener: () => undefined, removeListener: () => undefined,
    addEventListener: () => undefined, removeEventListener: () => undefined,
    dispatchEvent: () => false,
  }),
});
class NoResizeObserver { observe() { /* none in jsdom */ } unobserve() { /* none */ } disconnect() { /* none */ } }
window.ResizeObserver = NoResizeObserver;
// Mantine's autosizing textarea listens for web fonts loading, which jsdom does not do.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", { value: new EventTarget() });
}

// jsdom's Blob (and so File) lacks text(); browsers have it. Read through jsdom's FileReader.
if (typeof Blob.prototype.text !== "function") {
  Blob.prototype.text = function text(this: Blob) {
    return new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => { resolve(reader.result as string); }; // readAsText gives a string
      reader.onerror = () => { reject(reader.error ?? new Error("unreadable")); };
      reader.readAsText(this);
    });
  };
}
