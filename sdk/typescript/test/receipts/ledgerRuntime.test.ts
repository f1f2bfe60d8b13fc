/** The ledger code the verifier expects is the compiled ContractLedger the Python verifier
 * compares with (contracts/artifacts/ContractLedger.json): regenerate when this fails. */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ARTIFACT, GENERATED, ledgerRuntimeSource } from "../../scripts/generate-ledger-runtime";

it("ledgerRuntime.generated.ts is what the compiled ContractLedger gives", () => {
  const expected = ledgerRuntimeSource(readFileSync(ARTIFACT, "utf8"));
  expect(readFileSync(GENERATED, "utf8"), "run: npx tsx scripts/generate-ledger-runtime.ts").toBe(expected);
});
