import { ChallengeRefused, KeyFileError } from "@cms/sdk";
import { UserRejectedRequestError } from "viem";
import { describe, expect, it } from "vitest";
import { SignerDeclined } from "../auth/signer";
import { plainProblem } from "./problemText";

describe("refusals made in the browser, in plain words", () => {
  it("names a refused sign-in challenge and says nothing was signed", () => {
    const problem = plainProblem(new ChallengeRefused("domain", "the challenge is for 'evil.example', not 'cms.example'"));
    expect(problem.title).toMatch(/not made for this site, so nothing was signed/);
    expect(problem.detail).toContain("evil.example");
    expect(problem.code).toBe("challenge_refused_domain");
  });

  it("tells a wrong passphrase from an unusable key file", () => {
    expect(plainProblem(new KeyFileError("passphrase", "x")).title).toBe("That passphrase does not unlock this key.");
    expect(plainProblem(new KeyFileError("version", "x")).title).toBe("This key file cannot be used.");
  });

  it("says a wallet's refusal without viem's details, however it is wrapped", () => {
    const wrapped = new Error("signing failed", { cause: new UserRejectedRequestError(new Error("User rejected the request.")) });
    const problem = plainProblem(wrapped);
    expect(problem).toMatchObject({ code: "user_rejected", detail: "Try again when you are ready." });
    expect(plainProblem(Object.assign(new Error("no"), { code: 4001 })).code).toBe("user_rejected");
  });

  it("says a cancelled unlock as the user's choice", () => {
    expect(plainProblem(new SignerDeclined()).title).toBe("You cancelled, so nothing was signed.");
  });
});
