import { present, type Schemas } from "@cms/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCms } from "../../api/cms";
import { useReader } from "../contract-page/queries";

export type EngineContract = Schemas["EngineContract"];
export type DeployRequest = Schemas["Erc20Deployment"] | Schemas["WasmDeployment"] | Schemas["CircuitDeployment"];
export type EngineCall = Schemas["Call"];

// Keyed by who reads: what one identity was shown is never served to another.
export const engineKeys = {
  contract: (did: string, address: string) => ["engine", did, address.toLowerCase()] as const,
  metrics: (did: string) => ["engine", did, "metrics"] as const,
  owned: (did: string) => ["engine", did, "owned"] as const,
};

const at = (address: string) => ({ params: { path: { address } } });

export function useEngineContract(address: string) {
  const cms = useCms();
  return useQuery({
    queryKey: engineKeys.contract(useReader(), address),
    queryFn: async () => present((await cms.GET("/api/v1/engine/contracts/{address}", at(address))).data),
    retry: false,
  });
}

export function useEngineHealth(address: string) {
  const cms = useCms();
  return useQuery({
    queryKey: [...engineKeys.contract(useReader(), address), "health"],
    queryFn: async () => present((await cms.GET("/api/v1/engine/contracts/{address}/health", at(address))).data),
  });
}

export const HISTORY_PAGE = 20;

/** The contract's executions, newest first, page by page through the API's cursor. */
export function useEngineHistory(address: string) {
  const cms = useCms();
  return useInfiniteQuery({
    queryKey: [...engineKeys.contract(useReader(), address), "history"],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => present((await cms.GET("/api/v1/engine/contracts/{address}/history", {
      params: { path: { address }, query: pageParam ? { limit: HISTORY_PAGE, cursor: pageParam } : { limit: HISTORY_PAGE } },
      signal })).data),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export const OWNED_PAGE = 20;

/** The contracts the caller deployed, newest first, page by page. */
export function useOwnedContracts() {
  const cms = useCms();
  return useInfiniteQuery({
    queryKey: [...engineKeys.owned(useReader())],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => present((await cms.GET("/api/v1/engine/contracts", {
      params: { query: pageParam ? { limit: OWNED_PAGE, cursor: pageParam } : { limit: OWNED_PAGE } }, signal })).data),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useEngineMetrics() {
  const cms = useCms();
  return useQuery({
    queryKey: engineKeys.metrics(useReader()),
    queryFn: async () => present((await cms.GET("/api/v1/engine/metrics")).data),
  });
}

export function useDeploy() {
  const cms = useCms();
  const queryClient = useQueryClient();
  const owned = engineKeys.owned(useReader());
  return useMutation({
    mutationFn: async (request: DeployRequest) => present((await cms.POST("/api/v1/engine/contracts",
      { body: request })).data),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: owned }),
  });
}

/** After a call the contract's summary, history and health are read again. */
function useAfterCall(address: string) {
  const queryClient = useQueryClient();
  const key = engineKeys.contract(useReader(), address);
  return () => queryClient.invalidateQueries({ queryKey: key });
}

export function useEstimate(address: string) {
  const cms = useCms();
  return useMutation({
    mutationFn: async (call: EngineCall) => present((await cms.POST("/api/v1/engine/contracts/{address}/estimate-gas",
      { ...at(address), body: call })).data),
  });
}

export function useExecute(address: string) {
  const cms = useCms();
  const onSettled = useAfterCall(address);
  return useMutation({
    mutationFn: async (call: EngineCall) => present((await cms.POST("/api/v1/engine/contracts/{address}/execute",
      { ...at(address), body: call })).data),
    onSettled,
  });
}

export function useBatch(address: string) {
  const cms = useCms();
  const onSettled = useAfterCall(address);
  return useMutation({
    mutationFn: async (calls: EngineCall[]) => present((await cms.POST("/api/v1/engine/contracts/{address}/execute-batch",
      { ...at(address), body: { calls } })).data),
    onSettled,
  });
}
