"""Gas per audit event on a real EVM node (anvil): the seed's one transaction per event
(`recordEvent`, storing the event) against anchoring batches of 1, 10, 100 and 1,000 events as
one Merkle root (`anchor`), and a status-slot update. All measured in the same run; the
baseline (x 1.00) is the seed design.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SEED_EVENTS = int(os.environ.get("BENCH_SEED_EVENTS", "20"))


def main() -> None:
    from web3 import Web3

    from cms.domain.audit import GENESIS_HASH, seal
    from local_stack.anvil import Anvil
    from local_stack.stack import free_port

    node = Anvil(free_port()).start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        artifact = json.loads((REPO / "contracts/artifacts/ContractLedger.json").read_text())
        account = w3.eth.accounts[0]
        deploy = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        address = w3.eth.wait_for_transaction_receipt(
            deploy.constructor().transact({"from": account})).contractAddress
        ledger = w3.eth.contract(address=address, abi=artifact["abi"])
        w3.eth.wait_for_transaction_receipt(
            ledger.functions.setRecorder(account, True).transact({"from": account}))

        def gas(call) -> int:
            receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": account}))
            return receipt.gasUsed

        # A realistic event as the seed would record it: type plus the JSON of the event.
        event = seal(stream="contract:7d6c…", seq=3, prev_hash=GENESIS_HASH, event_id="e",
                     event_type="contract.signed", actor="did:key:z6Mk…", at="2026-11-22T10:00:00Z",
                     data={"signature": {"scheme": "eip712", "signature": "0x" + "ab" * 65}})
        data = json.dumps(event.to_json(), separators=(",", ":"))
        seed = statistics.mean(
            gas(ledger.functions.recordEvent(f"contract-{i % 4}", "contract.signed", data))
            for i in range(SEED_EVENTS))
        print(f"gas per audit event on anvil ({len(data)}-byte event JSON for the seed path)")
        print(f"{'design':<34} {'gas/tx':>9} {'gas/event':>10} {'x seed':>8}")
        print(f"{'seed recordEvent (1 tx per event)':<34} {seed:9.0f} {seed:10.0f} {1.0:8.3f}")
        first = 0
        for size in (1, 10, 100, 1000):
            root = Web3.keccak(text=f"root-{size}")
            used = gas(ledger.functions.anchor(root, first, first + size - 1, size))
            first += size
            print(f"{f'anchor batch of {size}':<34} {used:9d} {used / size:10.1f} "
                  f"{used / size / seed:8.4f}")
        status = gas(ledger.functions.setStatus("contract-1", 2, 3, b"\x11" * 32))
        print(f"{'status slot (per significant step)':<34} {status:9d} {status:10d} "
              f"{status / seed:8.3f}")
    finally:
        node.stop()


if __name__ == "__main__":
    main()
