import { CmsProblem, type Schemas } from "@cms/sdk";
import { plainProblem } from "../../api/problemText";

export type ExecutionResult = Schemas["ExecutionResult"];
export type ExecutionError = Schemas["ExecutionError"];
export type EngineEvent = Schemas["EngineEvent"];

type Args = readonly unknown[];
const text = (value: unknown): string => typeof value === "string" ? value : JSON.stringify(value);

// The built-in contracts' Solidity errors (OpenZeppelin 5's ERC20) and the WebAssembly
// runtime's, told as a person would. Any other error keeps its name and arguments.
const REVERTS = new Map<string, (args: Args) => string>(Object.entries({
  ERC20InsufficientBalance: ([sender, balance, needed]) =>
    `${text(sender)} has a balance of ${text(balance)}, less than the ${text(needed)} this needs.`,
  ERC20InsufficientAllowance: ([spender, allowance, needed]) =>
    `${text(spender)} may spend only ${text(allowance)}, less than the ${text(needed)} this needs.`,
  ERC20InvalidReceiver: () => "The receiver cannot be the zero address.",
  ERC20InvalidSender: () => "The sender cannot be the zero address.",
  ERC20InvalidApprover: () => "The approver cannot be the zero address.",
  ERC20InvalidSpender: () => "The spender cannot be the zero address.",
  OwnableUnauthorizedAccount: ([account]) => `Only the contract's owner may do this, and ${text(account)} is not the owner.`,
  OwnableInvalidOwner: ([owner]) => `${text(owner)} cannot become the owner.`,
  Panic: ([code]) => text(code) === "17" ? "An amount went out of range (arithmetic overflow or underflow)."
    : `The contract panicked (code ${text(code)}).`,
  Error: ([message]) => `The contract refused: ${text(message)}.`,
  Trap: ([message]) => `The WebAssembly code stopped: ${text(message)}.`,
} satisfies Record<string, (args: Args) => string>));

/** Why a call failed, in words: the revert's meaning, or the limit it reached. */
export function failureWords(error: ExecutionError): string {
  switch (error.code) {
    case "contract_reverted": {
      const words = error.error ? REVERTS.get(error.error) : undefined;
      return words ? words(error.arguments ?? []) : `The contract reverted: ${error.detail}`;
    }
    case "gas_exhausted":
      return `The call ran out of gas: it had ${String(error.gas_limit ?? "?")} and needed more (used ${String(error.gas_used ?? "?")}). Raise the gas limit.`;
    case "execution_timeout":
      return "The call took longer than the engine allows and changed nothing.";
    case "contract_busy":
      return "The contract was busy with other calls; nothing changed. Try again.";
    default:
      return error.detail;
  }
}

/** A failed call arrives as a problem document carrying the contract's error (the engine
 * answers 422 with `error`, `arguments`...): that error, when it is one. */
export function executionErrorOf(problem: unknown): ExecutionError | null {
  if (!(problem instanceof CmsProblem)) return null;
  const codes = ["contract_reverted", "gas_exhausted", "execution_timeout"];
  if (!codes.includes(problem.code)) return null;
  return { ...(problem.problem as unknown as ExecutionError), code: problem.code as ExecutionError["code"] };
}

/** Any failure of a call in words: the contract's reason, or the API's plain sentence. */
export function callFailureWords(error: unknown): string {
  const execution = executionErrorOf(error);
  if (execution) return failureWords(execution);
  const problem = plainProblem(error);
  const fields = Object.values(problem.fields);
  return [problem.title, fields.length > 0 ? fields.join(" ") : problem.detail].join(" ");
}

/** A result value as text: JSON values as they are, strings without quotes. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** An event as one line: its name and its decoded arguments. */
export function eventWords(event: EngineEvent): string {
  const args = event.args ? Object.entries(event.args).map(([name, value]) => `${name} ${valueText(value)}`) : [];
  return args.length > 0 ? `${event.event}: ${args.join(", ")}` : `${event.event} (data ${event.data})`;
}
