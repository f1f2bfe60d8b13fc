import type { ChainView, LedgerAt } from "../../src/receipts";
import { LEDGER_RUNTIME_CODE } from "../../src/receipts";

/** On-chain state as the vectors record it (tests/vectors/receipts/manifest.json). */
export interface ChainState {
  chain_id: number;
  block_number: number;
  anchors: Record<string, { block_number: number; first_seq: number; count: number }>;
  transactions: Record<string, {
    block_number: number; succeeded: boolean; to: string | null;
    anchored: { emitter: string; root: string; first_seq: number; last_seq: number; count: number }[];
  }>;
  statuses: Record<string, { status: number; seq: number; head_hash: string }>;
}

const bytes = (hex: string) => Uint8Array.from(hex.slice(2).match(/../g) ?? [], (pair) => parseInt(pair, 16));

/** A ChainView over recorded state, with the ledger's code at ``ledgerAddress`` only. */
export function memoryChain(state: ChainState, ledgerAddress: string, at: LedgerAt): ChainView {
  return {
    chainId: () => Promise.resolve(state.chain_id),
    blockNumber: () => Promise.resolve(state.block_number),
    code: () => Promise.resolve(at.address === ledgerAddress ? bytes(LEDGER_RUNTIME_CODE) : new Uint8Array()),
    anchorOf: (root) => {
      const found = state.anchors[root];
      return Promise.resolve(found ? { blockNumber: found.block_number, firstSeq: found.first_seq, count: found.count } : null);
    },
    transaction: (txHash) => {
      const found = state.transactions[txHash];
      return Promise.resolve(found ? {
        blockNumber: found.block_number, succeeded: found.succeeded, to: found.to,
        anchored: found.anchored.map((a) => ({ emitter: a.emitter, root: a.root, firstSeq: a.first_seq, lastSeq: a.last_seq, count: a.count })),
      } : null);
    },
    statusOf: (contractId) => {
      const found = state.statuses[contractId];
      return Promise.resolve(found ? { status: found.status, seq: found.seq, headHash: found.head_hash } : null);
    },
  };
}
