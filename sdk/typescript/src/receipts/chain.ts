/**
 * What a receipt verifier asks the chain, through a JSON-RPC endpoint the verifying person
 * chooses (cms.adapters.ledger_view): the chain id, the code at the ledger address, the
 * ledger's anchorOf / statusOf, and the Anchored events of a mined transaction.
 */
import {
  createPublicClient, decodeEventLog, getAddress, hexToBytes, http, toEventSelector, TransactionReceiptNotFoundError,
  type Address, type Hex,
} from "viem";
import { LEDGER_READ_ABI } from "./ledgerRuntime.generated";

export interface ChainAnchor { blockNumber: number; firstSeq: number; count: number }
export interface ChainSlot { status: number; seq: number; headHash: string }
/** An Anchored event with the address that emitted it (roots as 64 lower-case hex digits). */
export interface MinedAnchor { emitter: string; root: string; firstSeq: number; lastSeq: number; count: number }
export interface ChainTransaction { blockNumber: number; succeeded: boolean; to: string | null; anchored: MinedAnchor[] }

/** The chain at one ledger address. Every method rejects with ChainUnavailable when the
 * chain cannot be read (the verdict is then incomplete, not invalid). */
export interface ChainView {
  chainId(): Promise<number>;
  blockNumber(): Promise<number>;
  /** The runtime code at the ledger address (empty when there is none). */
  code(): Promise<Uint8Array>;
  anchorOf(root: string): Promise<ChainAnchor | null>;
  transaction(txHash: string): Promise<ChainTransaction | null>;
  statusOf(contractId: string): Promise<ChainSlot | null>;
}

export class ChainUnavailable extends Error {}

export interface LedgerAt { chainId: number; address: string }

// Pure: an unused verifier must not stay in a bundle that only imports the API client.
const ANCHORED_TOPIC = /* @__PURE__ */ toEventSelector("Anchored(bytes32,uint64,uint64,uint32)");

const strip0x = (value: string) => value.replace(/^0x/, "").toLowerCase();

async function reading<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const reason = error instanceof Error ? (error as { shortMessage?: string }).shortMessage ?? error.message : String(error);
    throw new ChainUnavailable(`${what}: ${reason}`);
  }
}

function decodeAnchored(log: { address: string; topics: readonly Hex[]; data: Hex }): MinedAnchor | null {
  if (log.topics[0]?.toLowerCase() !== ANCHORED_TOPIC) return null;
  try {
    const decoded = decodeEventLog({ abi: LEDGER_READ_ABI, eventName: "Anchored", topics: log.topics as [Hex, ...Hex[]], data: log.data });
    const { root, firstSeq, lastSeq, count } = decoded.args;
    return { emitter: getAddress(log.address), root: strip0x(root), firstSeq: Number(firstSeq), lastSeq: Number(lastSeq), count };
  } catch {
    return null; // same topic, another layout: some other contract's event
  }
}

/** A ChainView over any EVM JSON-RPC endpoint (viem's public client, plain eth_* calls). */
export function rpcChainView(rpcUrl: string, ledger: LedgerAt, timeoutMs = 10_000): ChainView {
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 0 }) });
  const address = ledger.address as Address;
  return {
    chainId: () => reading("eth_chainId", () => client.getChainId()),
    blockNumber: () => reading("eth_blockNumber", async () => Number(await client.getBlockNumber())),
    code: () => reading("eth_getCode", async () => hexToBytes((await client.getCode({ address })) ?? "0x")),
    anchorOf: (root) => reading("anchorOf", async () => {
      const [blockNumber, firstSeq, , count] = await client.readContract({
        address, abi: LEDGER_READ_ABI, functionName: "anchorOf", args: [`0x${root}`],
      });
      return blockNumber ? { blockNumber: Number(blockNumber), firstSeq: Number(firstSeq), count } : null;
    }),
    statusOf: (contractId) => reading("statusOf", async () => {
      const [status, seq, updatedAt, headHash] = await client.readContract({
        address, abi: LEDGER_READ_ABI, functionName: "statusOf", args: [contractId],
      });
      return updatedAt ? { status, seq: Number(seq), headHash: strip0x(headHash) } : null;
    }),
    transaction: (txHash) => reading("eth_getTransactionReceipt", async () => {
      try {
        const mined = await client.getTransactionReceipt({ hash: txHash as Hex });
        return {
          blockNumber: Number(mined.blockNumber), succeeded: mined.status === "success", to: mined.to,
          anchored: mined.logs.map(decodeAnchored).filter((anchor) => anchor !== null),
        };
      } catch (error) {
        if (error instanceof TransactionReceiptNotFoundError) return null;
        throw error;
      }
    }),
  };
}
