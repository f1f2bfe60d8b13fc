import { present, type CircuitInfo } from "@cms/sdk";
import { encryptFor } from "@cms/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useCms } from "../../api/cms";
import { pollInterval } from "../../api/livePolling";
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

/** The circuit's reads, apart from `engineKeys.contract`: a call made from the call form does
 * not re-run them (each is an execution through the engine, metered and possibly recorded). */
export const circuitKeys = {
  all: (did: string, address: string) => ["engine-circuit", did, address.toLowerCase()] as const,
  read: (did: string, address: string, fn: string) => ["engine-circuit", did, address.toLowerCase(), fn] as const,
};

// There is no non-recording read of a contract's state yet: each read is POST /execute. So the
// one read that must follow the enclave (inputStatus) is polled gently: from every 5 s, backing
// off on failures, stopping at the first error and after WAIT_LIMIT_MS (the screen then says to
// refresh); `result` is read once, when inputStatus says it is recorded.
export const POLL_MS = 5_000;
export const WAIT_LIMIT_MS = 10 * 60_000;

interface PollState { dataUpdatedAt: number; fetchFailureCount: number; error: unknown }

/** The wait before inputStatus is read again, or false: only while the evaluation is requested
 * and not yet recorded, the tab visible, no error and within WAIT_LIMIT_MS of `since`. */
export function statusPollInterval(status: InputStatus | undefined, state: PollState, since: number,
  now: number, visible: boolean): number | false {
  if (!status?.requested || status.recorded) return false;
  if (state.error) return false;
  if (now - since >= WAIT_LIMIT_MS) return false;
  return pollInterval(visible, state.fetchFailureCount, POLL_MS);
}

/** Whether the wait has run out without a recorded result (the screen asks for a refresh). */
export function waitedTooLong(status: InputStatus | undefined, since: number, now: number): boolean {
  return Boolean(status?.requested && !status.recorded) && now - since >= WAIT_LIMIT_MS;
}

/** A read-only function of the circuit contract, run through the engine. Its answer is the
 * contract's own JSON, typed here by what circuit_contract.py returns. */
function useCircuitRead<T>(address: string, fn: string,
  options: { enabled?: boolean; refetchInterval?: (query: { state: PollState & { data: T | undefined } }) => number | false } = {}) {
  const cms = useCms();
  return useQuery({
    queryKey: circuitKeys.read(useReader(), address, fn),
    queryFn: async () => present((await cms.POST("/api/v1/engine/contracts/{address}/execute", {
      params: { path: { address } }, body: { function: fn } })).data).return_value as T,
    retry: false,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchIntervalInBackground: false,
    enabled: options.enabled ?? true,
    refetchInterval: options.refetchInterval,
  });
}

export const useCircuitInfo = (address: string) => useCircuitRead<FullCircuitInfo>(address, "circuitInfo");

/** Polled while the evaluation is requested and not yet recorded (the enclave works), within
 * the bounds of statusPollInterval; `gaveUp` once the wait has run out. */
export function useInputStatus(address: string) {
  const [since] = useState(() => Date.now());
  const [now, setNow] = useState(since);
  useEffect(() => {
    const timer = setTimeout(() => { setNow(Date.now()); }, WAIT_LIMIT_MS);
    return () => { clearTimeout(timer); };
  }, []);
  const query = useCircuitRead<InputStatus>(address, "inputStatus", {
    refetchInterval: (q) => statusPollInterval(q.state.data, q.state, since, Date.now(),
      document.visibilityState === "visible"),
  });
  return { ...query, gaveUp: waitedTooLong(query.data, since, now) };
}

/** Read once the status says the result is recorded (never polled). */
export const useCircuitResult = (address: string, recorded: boolean) =>
  useCircuitRead<CircuitResult | null>(address, "result", { enabled: recorded });

/** Encrypt the party's value in this browser to the contract's input key and submit only the
 * ciphertext; then the statuses are read again. */
export function useSubmitInput(address: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const reader = useReader();
  const key = engineKeys.contract(reader, address);
  const status = circuitKeys.read(reader, address, "inputStatus");
  return useMutation({
    mutationFn: async ({ info, party, value }: { info: CircuitInfo; party: string; value: bigint }) => {
      const ciphertext = await encryptFor(info, party, value);
      return present((await cms.POST("/api/v1/engine/contracts/{address}/execute", {
        params: { path: { address } }, body: { function: "submitInput", args: { ciphertext } } })).data);
    },
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: key }),
      queryClient.invalidateQueries({ queryKey: status })]),
  });
}

export function useRequestEvaluation(address: string) {
  const cms = useCms();
  const queryClient = useQueryClient();
  const reader = useReader();
  const key = engineKeys.contract(reader, address);
  const status = circuitKeys.read(reader, address, "inputStatus");
  return useMutation({
    mutationFn: async () => present((await cms.POST("/api/v1/engine/contracts/{address}/execute", {
      params: { path: { address } }, body: { function: "requestEvaluation" } })).data),
    onSettled: () => Promise.all([queryClient.invalidateQueries({ queryKey: key }),
      queryClient.invalidateQueries({ queryKey: status })]),
  });
}
