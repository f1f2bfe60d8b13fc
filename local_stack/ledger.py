"""The local chain: anvil with ContractLedger deployed once (its state and address persist
across `make run`s), the platform's signer allowed and funded, and the ledger configuration
written where the functions read it (the SSM parameter of the template)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from web3 import Web3

from cms.adapters.eth_signers import SecretKeySigner
from cms.adapters.ledger_abi import artifact
from cms.adapters.ledger_client import LedgerConfig
from cms.adapters.ledger_config import save_ledger_config
from local_stack.anvil import Anvil

CHAIN_ID = 31337


def start_ledger(anvil: Anvil, *, parameter: str, signer_secret: str,
                 address_file: Path | None, log: Any) -> LedgerConfig:
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    owner = w3.eth.accounts[0]  # anvil's funded development account deploys and administers
    address = _existing(w3, address_file) or _deploy(w3, owner, address_file, log)
    ledger = w3.eth.contract(address=address, abi=artifact()["abi"])
    signer = SecretKeySigner.from_secret(signer_secret).address
    _wait(w3, ledger.functions.setRecorder(signer, True).transact({"from": owner}))
    if w3.eth.get_balance(signer) < Web3.to_wei(1, "ether"):
        _wait(w3, w3.eth.send_transaction({"from": owner, "to": signer,
                                           "value": Web3.to_wei(10, "ether")}))
    config = LedgerConfig(rpc_url=anvil.url, address=address, chain_id=CHAIN_ID,
                          confirmations=1)
    save_ledger_config(parameter, config)
    log(f"  ledger    ContractLedger at {address}, recorder {signer}")
    return config


def _existing(w3: Web3, address_file: Path | None) -> str | None:
    if address_file is None or not address_file.exists():
        return None
    address = json.loads(address_file.read_text()).get("address")
    return address if address and w3.eth.get_code(address) else None


def _deploy(w3: Web3, owner: str, address_file: Path | None, log: Any) -> str:
    compiled = artifact()
    contract = w3.eth.contract(abi=compiled["abi"], bytecode=compiled["bytecode"])
    address = _wait(w3, contract.constructor().transact({"from": owner})).contractAddress
    if address_file is not None:
        address_file.parent.mkdir(parents=True, exist_ok=True)
        address_file.write_text(json.dumps({"address": address, "chain_id": CHAIN_ID}))
    log(f"  deployed  ContractLedger ({len(compiled['bytecode']) // 2 - 1} bytes)")
    return address


def _wait(w3: Web3, tx_hash: Any) -> Any:
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt.status != 1:
        raise RuntimeError(f"local ledger setup transaction failed: {tx_hash.hex()}")
    return receipt
