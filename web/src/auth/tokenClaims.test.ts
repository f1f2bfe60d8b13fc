import { describe, expect, it } from "vitest";
import { issuedAt } from "./tokenClaims";

const encode = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

describe("issuedAt", () => {
  it("reads the iat claim of a JWT", () => {
    expect(issuedAt(`${encode({ alg: "EdDSA" })}.${encode({ iat: 1_800_000_000 })}.sig`))
      .toEqual(new Date(1_800_000_000_000));
  });
  it("is null for a token it cannot read", () => {
    expect(issuedAt("opaque")).toBeNull();
    expect(issuedAt("a.!!!.c")).toBeNull();
    expect(issuedAt(`x.${encode({ iat: "soon" })}.y`)).toBeNull();
  });
});
