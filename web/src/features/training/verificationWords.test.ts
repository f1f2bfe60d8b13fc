import { describe, expect, it } from "vitest";
import { checkInWords, verifyCommand } from "./verificationWords";

describe("the attested result in words", () => {
  it("names the development root when the enclave was simulated, the Nitro root otherwise", () => {
    const check = { name: "attestation", ok: true, detail: "chain ok" } as const;
    expect(checkInWords(check, true).text).toMatch(/development root/);
    expect(checkInWords(check, false).text).toMatch(/AWS Nitro root/);
  });

  it("gives a failed check's reason from the server as text", () => {
    expect(checkInWords({ name: "image", ok: false, detail: "PCR0 cd… is not allowed" }, false))
      .toEqual({ topic: "Image allowed by the contract", text: "Failed: PCR0 cd… is not allowed" });
  });

  it("writes the offline command with the files the page offers", () => {
    expect(verifyCommand("j1", true, true)).toBe(
      "cms verify-training training-result-j1.json --model j1.pt --development-root DEV-ROOT.pem");
    expect(verifyCommand("j1", false, false)).toBe("cms verify-training training-result-j1.json");
  });
});
