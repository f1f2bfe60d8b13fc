"""Where the ledger is: read from an SSM parameter at run time (cached), so that deploying a
new ContractLedger or switching chains is a parameter change, not a code deployment."""

from __future__ import annotations

import json

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from cms.adapters.ledger_client import LedgerConfig, LedgerMisconfigured
from cms.config import Settings
from cms.domain.errors import DependencyUnavailable

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
        return LedgerConfig(**{name: data[name] for name in FIELDS if name in data})
    except (ValueError, TypeError) as error:
        raise LedgerMisconfigured(
            f"the ledger parameter {settings.ledger_parameter} is not valid JSON "
            f"with {', '.join(FIELDS[:3])}") from error


def save_ledger_config(name: str, config: LedgerConfig) -> None:
    """Used by the local stack (and operators' scripts) after deploying the contract."""
    boto3.client("ssm").put_parameter(
        Name=name, Type="String", Overwrite=True,
        Value=json.dumps({name_: getattr(config, name_) for name_ in FIELDS}))
