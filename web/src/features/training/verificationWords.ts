import type { TrainingVerification } from "./queries";

type CheckName = TrainingVerification["checks"][number]["name"];

const PASSED: Record<CheckName, string> = {
  format: "The result bundle has the expected format.",
  attestation: "The attestation document is signed through the AWS Nitro root's certificate chain.",
  image: "The enclave image (its PCR0) is one the contract allows, and not in debug mode.",
  binding: "The attested statement is bound to the model, the job and the contract (the document's user_data is the statement's SHA-256).",
  contract: "The statement carries the contract's content digest: it was trained under this contract as signed.",
  budget: "The epsilon spent is within the job's reservation and the contract's privacy budget.",
  model: "The model file is the one the enclave attested.",
};

const TOPIC: Record<CheckName, string> = {
  format: "Format", attestation: "Signature", image: "Image allowed by the contract", binding: "Binding of statement and model",
  contract: "Contract digest", budget: "Epsilon within the reservation", model: "Model file",
};

/** A verification check in words: its topic, and what passing means, or why it failed (the
 * server's detail). A simulated enclave's document chains to a development root, said so. */
export function checkInWords(check: TrainingVerification["checks"][number], simulated: boolean): { topic: string; text: string } {
  const topic = TOPIC[check.name];
  if (!check.ok) return { topic, text: `Failed: ${check.detail}` };
  if (check.name === "attestation" && simulated) {
    return { topic, text: "The attestation document is signed by a development root (a simulated enclave on a local stack), not the AWS Nitro root: trust it for testing only." };
  }
  return { topic, text: PASSED[check.name] };
}

/** The offline check's command line, with the files the page offers. */
export function verifyCommand(jobId: string, simulated: boolean, withModel: boolean): string {
  return ["cms verify-training", resultFileName(jobId), withModel ? `--model ${jobId}.pt` : "",
    simulated ? "--development-root DEV-ROOT.pem" : ""].filter(Boolean).join(" ");
}

export const resultFileName = (jobId: string): string => `training-result-${jobId}.json`;
