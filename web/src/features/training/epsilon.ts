/** Epsilon as the API accounts it: exact decimals with nine places ("1.250000000"). Held here
 * as whole billionths in a bigint, so that comparisons and sums are exact: a float would let
 * 0.1 + 0.2 exceed 0.3 and refuse (or allow) a reservation the server decides otherwise. */

export const PLACES = 9;
const SCALE = 10n ** BigInt(PLACES);
/** The most any job may reserve (the API's range for epsilon). */
export const MAX_EPSILON = 100n * SCALE;

/** Billionths of epsilon. */
export type Nanos = bigint;

// A plain decimal: digits, optionally a point and more digits (no sign, no exponent).
const DECIMAL = /^(\d{1,3})(?:\.(\d+))?$/;

/** The exact value of a decimal text, or null if it is not a plain non-negative decimal.
 * More than nine places are rounded UP, as the server does (it never reserves less than
 * asked). */
export function parseEpsilon(text: string): Nanos | null {
  const match = DECIMAL.exec(text.trim());
  if (!match) return null;
  const [, whole = "0", fraction = ""] = match;
  const kept = fraction.slice(0, PLACES).padEnd(PLACES, "0");
  const roundsUp = /[1-9]/.test(fraction.slice(PLACES));
  return BigInt(whole) * SCALE + BigInt(kept) + (roundsUp ? 1n : 0n);
}

/** The API's nine-place text ("1.250000000"). */
export function epsilonText(value: Nanos): string {
  const whole = value / SCALE;
  const fraction = (value % SCALE).toString().padStart(PLACES, "0");
  return `${whole.toString()}.${fraction}`;
}

/** The same value without trailing zeros, for sentences ("1.25"). */
export function shortEpsilon(value: Nanos): string {
  return epsilonText(value).replace(/\.?0+$/, "");
}

/** A budget's parts as the API gives them (exact texts). */
export interface BudgetTexts {
  epsilon_total: string;
  epsilon_spent: string;
  epsilon_reserved: string;
  epsilon_available: string;
}

export interface BudgetParts { total: Nanos; spent: Nanos; reserved: Nanos; available: Nanos }

/** The budget's parts as exact values; null if the server sent something that is not one
 * (the page then says so instead of drawing a wrong gauge). */
export function budgetParts(budget: BudgetTexts): BudgetParts | null {
  const total = parseEpsilon(budget.epsilon_total);
  const spent = parseEpsilon(budget.epsilon_spent);
  const reserved = parseEpsilon(budget.epsilon_reserved);
  const available = parseEpsilon(budget.epsilon_available);
  if (total === null || spent === null || reserved === null || available === null) return null;
  return { total, spent, reserved, available };
}

/** Each part's share of the total in percent, for the gauge's sections (drawing only: the
 * numbers shown are the exact texts). */
export function shares(parts: BudgetParts): { spent: number; reserved: number; available: number } {
  if (parts.total === 0n) return { spent: 0, reserved: 0, available: 0 };
  const percent = (part: Nanos) => Number((part * 10_000n) / parts.total) / 100;
  return { spent: percent(parts.spent), reserved: percent(parts.reserved), available: percent(parts.available) };
}
