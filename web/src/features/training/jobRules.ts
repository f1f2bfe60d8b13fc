import { MAX_EPSILON, parseEpsilon, shortEpsilon, type Nanos } from "./epsilon";

/** What the contract's terms allow a job (read from its terms; the API checks them again). */
export interface TrainingAllowance {
  models: string[];
  maxEpochs: number;
  datasets: string[];
  /** PCR0 values of the enclave images the contract allows, with their descriptions. */
  images: { pcr0: string; description: string | null }[];
}

export interface JobDraft { model: string; epochs: number | string; epsilon: string }

export type JobErrors = Partial<Record<keyof JobDraft, string>>;

/** The form's rules, each refusal in words with the exact figures: epsilon is compared in
 * billionths (never floats), and never more than is left. */
export function jobErrors(draft: JobDraft, allowance: TrainingAllowance, available: Nanos): JobErrors {
  const errors: JobErrors = {};
  if (!allowance.models.includes(draft.model)) errors.model = "Choose one of the models the contract allows.";
  const epochs = typeof draft.epochs === "number" ? draft.epochs : Number.NaN;
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > allowance.maxEpochs) {
    errors.epochs = `Epochs must be a whole number from 1 to ${String(allowance.maxEpochs)} (the contract's maximum).`;
  }
  const epsilon = parseEpsilon(draft.epsilon);
  if (epsilon === null) errors.epsilon = "Write epsilon as a plain decimal, for example 0.5.";
  else if (epsilon === 0n) errors.epsilon = "Epsilon must be more than 0.";
  else if (epsilon > MAX_EPSILON) errors.epsilon = "Epsilon can be at most 100.";
  else if (epsilon > available) {
    errors.epsilon = available === 0n
      ? "Nothing is left of the contract's privacy budget."
      : `Only ${shortEpsilon(available)} is left of the contract's privacy budget (spent and reserved by running jobs); ${shortEpsilon(epsilon)} is more.`;
  }
  return errors;
}

/** The allowance in the contract's terms; null when they are not an AI-training contract's. */
export function allowanceOf(terms: unknown): TrainingAllowance | null {
  if (!isObject(terms) || !isObject(terms.privacy_budget) || !Array.isArray(terms.model_architectures)) return null;
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);
  const datasets = Array.isArray(terms.datasets)
    ? terms.datasets.flatMap((item) => (isObject(item) && typeof item.id === "string" ? [item.id] : []))
    : [];
  const images = Array.isArray(terms.enclave_measurements)
    ? terms.enclave_measurements.flatMap((item) => (isObject(item) && typeof item.pcr0 === "string"
      ? [{ pcr0: item.pcr0, description: typeof item.description === "string" ? item.description : null }] : []))
    : [];
  const maxEpochs = typeof terms.max_epochs === "number" && Number.isInteger(terms.max_epochs) && terms.max_epochs > 0
    ? terms.max_epochs : 1;
  return { models: strings(terms.model_architectures), maxEpochs, datasets, images };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
