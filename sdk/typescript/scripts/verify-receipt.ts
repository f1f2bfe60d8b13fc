/**
 * verify-receipt FILE --rpc URL [--ledger CHAIN_ID:ADDRESS] [--timeout SECONDS] [--json]
 *
 * The SDK's receipt verifier on the command line, with `cms verify-receipt`'s output and exit
 * codes: 0 every check passed, 2 a check failed, 3 incomplete (chain unreadable or no
 * --ledger, and nothing else failed), 1 a usage or file error. Run with `npx tsx scripts/verify-receipt.ts`.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseTrustedLedger, rpcChainView, verdictOf, verifyReceipt, type Check } from "../src/receipts";

const VALID = 0;
const INVALID = 2;
const INCOMPLETE = 3;
const USAGE = 1;

/** Control characters from a hostile receipt must not rewrite the terminal's output. */
const shown = (text: string) => text.replace(/[\p{Cc}\p{Cf}]/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);

function printChecks(checks: Check[]): void {
  const width = Math.min(16, Math.max(...checks.map((c) => c.name.length)));
  for (const c of checks) console.log(`${c.ok ? "ok  " : "FAIL"}  ${shown(c.name).padEnd(width)}  ${shown(c.detail)}`);
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv, allowPositionals: true,
      options: { rpc: { type: "string" }, ledger: { type: "string" }, timeout: { type: "string", default: "10" }, json: { type: "boolean", default: false } },
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return USAGE;
  }
  const [file] = args.positionals;
  const { rpc, ledger, timeout, json } = args.values;
  if (file === undefined || rpc === undefined) {
    console.error("usage: verify-receipt FILE --rpc URL [--ledger CHAIN_ID:ADDRESS] [--timeout SECONDS] [--json]");
    return USAGE;
  }
  const trusted = ledger ? parseTrustedLedger(ledger) : null;
  if (ledger && trusted === null) {
    console.error(`--ledger: expected CHAIN_ID:0xADDRESS, got ${JSON.stringify(ledger)}`);
    return USAGE;
  }
  let raw: Uint8Array;
  try {
    raw = file === "-" ? readFileSync(0) : readFileSync(file);
  } catch (error) {
    console.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return USAGE;
  }
  const timeoutMs = Number(timeout) * 1000;
  const report = await verifyReceipt(raw, { connect: (at) => rpcChainView(rpc, at, timeoutMs), trusted });
  const code = { valid: VALID, invalid: INVALID, incomplete: INCOMPLETE }[verdictOf(report)];
  if (json) {
    console.log(JSON.stringify({ valid: report.valid, incomplete: report.incomplete, checks: report.checks }, null, 2));
    return code;
  }
  printChecks(report.checks);
  const failed = report.checks.filter((c) => !c.ok).length;
  console.log(code === VALID ? `VALID: all ${report.checks.length} checks passed`
    : code === INVALID ? `INVALID: ${failed} of ${report.checks.length} checks failed`
      : `INCOMPLETE: ${shown(report.incomplete ?? "")}`);
  return code;
}

process.exitCode = await main(process.argv.slice(2));
