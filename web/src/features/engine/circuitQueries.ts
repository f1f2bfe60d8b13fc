import { present, type CircuitInfo } from "@cms/sdk";
import { encryptFor } from "@cms/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { useReader } from "../contract-page/queries";
import { engineKeys } from "./queries";

export interface PartyStatus { address: string; submitted: boolean; ciphertext_sha256: string | null }
export interface InputStatus { parties: Record<string, PartyStatus>; complete: boolean; requested: boolean; recorded: boolean }
/** What the contract records once the enclave's attested statement checks out. */
export interface CircuitResult {
  status: "evaluated" | "rejected";
  outputs: Record<string, boolean | string | number> | null;
  invalid_inputs?: string[];
  pcr0: string;
  development: boolean;
  attested_at: string;
  statement_sha256: string;
}
export type FullCircuitInfo = CircuitInfo & { outputs: { name: string; type: string }[]; gates: number };

const POLL_MS = 2_000;

/** A read-only function of the circuit contract, run through the engine. Its answer is the
 * contract's own JSON, typed here by what circuit_contract.py returns. */
function useCircuitRead<T>(address: string, fn: string, refetchInterval?: (data: T | undefined) => number | false) {
  const cms = useCms();
  return useQuery({
    queryKey: [...engineKeys.contract(useReader(), address), "circuit", fn],
    queryFn: async () => present((await cms.POST("/api/v1/engine/contracts/{address}/execute", {
      params: { path: { address } }, body: { function: fn } })).data).return_value as T,
    refetchInterval: refetchInterval ? (query) => refetchInterval(query.state.data) : undefined,
  });
}

export const useCircuitInfo = (address: string) => useCircuitRead<FullCircuitInfo>(address, "circuitInfo");
/** Polled while the evaluation is requested and not yet recorded (the enclave works). */
export const useInputStatus = (address: string) => useCircuitRead<InputStatus>(address, "inputStatus",
  (status) => status?.requested && !status.recorded ? POLL_MS : false);
export const useCircuitResult = (address: string, waiting: boolean) =>
  useCircuitRead<CircuitResult | null>(address, "result", (result) => waiting && !result ? POLL_MS : false);

/** Encrypt the party's value in this browser to the contract's input key and submit only the
 * ciphertext; then the statuses are read again. */
export function useSubmitInput(address: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = engineKeys.contract(useReader(), address);
  return useMutation({
    mutationFn: async ({ info, party, value }: { info: CircuitInfo; party: string; value: bigint }) => {
      const ciphertext = await encryptFor(info, party, value);
      return present((await cms.POST("/api/v1/engine/contracts/{address}/execute", {
        params: { path: { address } }, body: { function: "submitInput", args: { ciphertext } } })).data);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}

export function useRequestEvaluation(address: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const key = engineKeys.contract(useReader(), address);
  return useMutation({
    mutationFn: async () => present((await cms.POST("/api/v1/engine/contracts/{address}/execute", {
      params: { path: { address } }, body: { function: "requestEvaluation" } })).data),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}
