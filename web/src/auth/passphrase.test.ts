import { describe, expect, it } from "vitest";
import { passphraseStrength } from "./passphrase";

describe("the passphrase strength hint", () => {
  it.each([
    ["short1", "too short"],
    ["aaaaaaaaaaaaaaaa", "weak"],
    ["correcthorsebattery", "fair"],
    ["Correct horse battery staple 9!", "strong"],
  ])("%s is %s", (passphrase, label) => {
    expect(passphraseStrength(passphrase).label).toBe(label);
  });
});
