import { render, screen, within } from "@testing-library/react";
import { Providers, answering } from "../../test/providers";
import type { ConfirmedBatch, LedgerStatus } from "./queries";
import { LagSection } from "./LagSection";
import { LedgerScreen } from "./LedgerScreen";

const CHAIN_DOWN: LedgerStatus = {
  configured: true, reachable: false, chain_id: 31337, ledger_address: `0x${"Ab".repeat(20)}`,
  signer_address: `0x${"cD".repeat(20)}`, confirmations_required: 1, signer_balance_wei: null,
  next_seq: null, block_number: null, last_batch: null, min_signer_balance_wei: "100000000000000000",
  unanchored: { count: 1000, count_capped: true, oldest_at: "2026-12-07T06:00:00.000Z", age_s: 125 },
  problem: { code: "ledger_unavailable", detail: "the chain's JSON-RPC endpoint is unreachable" },
};

const HEALTHY: LedgerStatus = {
  ...CHAIN_DOWN, reachable: true, problem: null, signer_balance_wei: "50000000000000001", next_seq: 12,
  block_number: 99, unanchored: { count: 0, count_capped: false, oldest_at: null, age_s: 0 },
  last_batch: { first_seq: 10, last_seq: 11, count: 2, root: "b".repeat(64), tx_hash: `0x${"ef".repeat(32)}`, block_number: 98 },
};

const BATCHES: ConfirmedBatch[] = [
  { first_seq: 10, last_seq: 11, count: 2, root: "b".repeat(64), tx_hash: `0x${"ef".repeat(32)}`, block_number: 98,
    prepared_at: "2026-12-07T06:00:01.000Z", confirmed_at: "2026-12-07T06:00:03.000Z",
    oldest_event_at: "2026-12-07T06:00:00.000Z", lag_s: 3 },
];

function show(status: LedgerStatus) {
  vi.stubGlobal("fetch", answering({ "/api/v1/ledger/status": status, "/api/v1/ledger/batches": { batches: BATCHES } }));
  render(<Providers><LedgerScreen /></Providers>);
}

afterEach(() => { vi.unstubAllGlobals(); });

it("says in words that the chain cannot be reached, and shows what is still known", async () => {
  show(CHAIN_DOWN);
  const alert = await screen.findByRole("alert");
  expect(alert).toHaveTextContent("The chain cannot be reached");
  expect(alert).toHaveTextContent("the chain's JSON-RPC endpoint is unreachable");
  expect(screen.getByText("31337 (a local development chain)")).toBeInTheDocument();
  expect(screen.getByText(`31337:0x${"Ab".repeat(20)}`)).toBeInTheDocument();
  const queue = screen.getByRole("region", { name: "Waiting to be anchored" });
  expect(within(queue).getByText("1,000 or more")).toBeInTheDocument();
  expect(within(queue).getByText("2 min 5 s")).toBeInTheDocument();
});

it("warns of a signer balance below the health check's, in exact ETH", async () => {
  show(HEALTHY);
  const signer = await screen.findByRole("region", { name: "Signer" });
  expect(within(signer).getByText("0.050000000000000001 ETH")).toBeInTheDocument();
  expect(within(signer).getByRole("alert")).toHaveTextContent("below 0.1 ETH");
  const lag = screen.getByRole("region", { name: "Anchoring lag" });
  expect(await within(lag).findByRole("figure", { name: /Anchoring lag of the recent batches/ })).toHaveTextContent(
    "the latest batch, 3 s");
  expect(within(lag).getByRole("table")).toHaveTextContent("#10–11");
});

it("keeps the last batches after a failed refresh, and says politely that they are not live", () => {
  render(<Providers><LagSection batches={BATCHES} error={new TypeError("Failed to fetch")}
    updatedAt={Date.parse("2026-12-07T06:00:05.000Z")} /></Providers>);
  const lag = screen.getByRole("region", { name: "Anchoring lag" });
  expect(within(lag).getByRole("status")).toHaveTextContent(/The list of batches shown is from .*refreshing it failed/);
  expect(within(lag).getByRole("table")).toHaveTextContent("#10–11");
});
