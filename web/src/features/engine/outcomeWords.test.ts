import { CmsProblem } from "@cms/sdk";
import { describe, expect, it } from "vitest";
import { callFailureWords, eventWords, failureWords } from "./outcomeWords";

const reverted = (error: string, args: unknown[]) => ({ code: "contract_reverted" as const, title: "The contract reverted",
  detail: `reverted: ${error}`, error, arguments: args as never });

describe("outcomes in words", () => {
  it("tells an ERC20 balance revert", () => {
    expect(failureWords(reverted("ERC20InsufficientBalance", ["0xabc", "0", "5"])))
      .toBe("0xabc has a balance of 0, less than the 5 this needs.");
  });
  it("keeps an unknown error's detail", () => {
    expect(failureWords(reverted("Custom", [1]))).toBe("The contract reverted: reverted: Custom");
  });
  it("reads the contract's error from the problem the API answered", () => {
    const problem = new CmsProblem(422, { type: "about:blank", title: "The contract reverted", status: 422,
      code: "contract_reverted", detail: "reverted: Error(insufficient balance)", errors: null,
      error: "Error", arguments: ["insufficient balance"] });
    expect(callFailureWords(problem)).toBe("The contract refused: insufficient balance.");
  });
  it("writes an event with its arguments", () => {
    expect(eventWords({ event: "Transfer", data: "0x", args: { from: "0xa", to: "0xb", value: "5" } }))
      .toBe("Transfer: from 0xa, to 0xb, value 5");
  });

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])("keeps a contract error named %s as it is", (name) => {
    expect(failureWords(reverted(name, []))).toBe(`The contract reverted: reverted: ${name}`);
  });
});
