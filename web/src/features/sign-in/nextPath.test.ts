import { describe, expect, it } from "vitest";
import { nextPath } from "./nextPath";

describe("where sign-in goes next", () => {
  it.each([
    ["?next=%2Fcontracts%2F42%3Ftab%3Dterms", "/contracts/42?tab=terms"],
    ["", "/"],
    ["?next=", "/"],
    ["?next=%2F%2Fevil.example", "/"],
    ["?next=https%3A%2F%2Fevil.example", "/"],
    ["?next=%2F%5Cevil.example", "/"],
    ["?next=javascript%3Aalert(1)", "/"],
  ])("%s → %s", (search, expected) => {
    expect(nextPath(search)).toBe(expected);
  });
});
