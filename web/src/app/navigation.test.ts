import { describe, expect, it } from "vitest";
import { activeEntry, navigation, visibleNavigation } from "./navigation";

describe("navigation", () => {
  it("lights exactly one entry: the longest matching prefix", () => {
    expect(activeEntry(navigation, "/contracts/new")).toBe("/contracts/new");
    expect(activeEntry(navigation, "/contracts/abc")).toBe("/contracts");
    expect(activeEntry(navigation, "/")).toBe("/");
    expect(activeEntry(navigation, "/contractsx")).toBeUndefined();
  });

  it("hides role-gated entries from identities without the role", () => {
    const items = [...navigation, { to: "/admin", label: "Admin", roles: ["admin" as const] }];
    expect(visibleNavigation(items, []).some((item) => item.to === "/admin")).toBe(false);
    expect(visibleNavigation(items, ["auditor"]).some((item) => item.to === "/admin")).toBe(false);
    expect(visibleNavigation(items, ["admin"]).some((item) => item.to === "/admin")).toBe(true);
  });
});
