"""Where the ledger is: read from an SSM parameter at run time (cached), so that deploying a
new ContractLedger or switching chains is a parameter change, not a code deployment."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from cms.config import Settings
from cms.domain.did.document import checksum_address
from cms.domain.errors import DependencyUnavailable, LedgerMisconfigured

SEED_GAS_LIMIT = 2_000_000  # the seed configuration's blockchain.gas_limit


@dataclass(frozen=True)
class LedgerConfig:
    rpc_url: str
    address: str
    chain_id: int
    gas_limit: int = SEED_GAS_LIMIT
    confirmations: int = 1  # the seed: 1 locally, 12 in production
    timeout_s: float = 10.0


FIELDS = ("rpc_url", "address", "chain_id", "confirmations", "gas_limit", "timeout_s")


def load_ledger_config(settings: Settings) -> LedgerConfig:
    if not settings.ledger_parameter:
        raise LedgerMisconfigured("no ledger is configured (CMS_LEDGER_PARAMETER)")
    try:
        value = boto3.client("ssm").get_parameter(Name=settings.ledger_parameter)[
            "Parameter"]["Value"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ParameterNotFound":
            raise LedgerMisconfigured(
                f"the ledger parameter {settings.ledger_parameter} does not exist") from error
        raise DependencyUnavailable("the ledger configuration is unavailable") from error
    except BotoCoreError as error:
        raise DependencyUnavailable("the ledger configuration is unavailable") from error
    try:
        data = json.loads(value)
        config = LedgerConfig(**{name: data[name] for name in FIELDS if name in data})
        return replace(config, address=checksum_address(config.address))
    except (ValueError, TypeError) as error:
        raise LedgerMisconfigured(
            f"the ledger parameter {settings.ledger_parameter} is not valid JSON with "
            f"{', '.join(FIELDS[:3])} (and a 0x address): {error}") from error


def save_ledger_config(name: str, config: LedgerConfig) -> None:
    """Used by the local stack (and operators' scripts) after deploying the contract."""
    boto3.client("ssm").put_parameter(
        Name=name, Type="String", Overwrite=True,
        Value=json.dumps({name_: getattr(config, name_) for name_ in FIELDS}))
