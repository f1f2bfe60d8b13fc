"""moto's threaded server, with DynamoDB requests serialised and transactions that keep streams.

moto's DynamoDB backend is not thread-safe: under concurrent TransactWriteItems it fails with
"dictionary changed size during iteration" (HTTP 500), where real DynamoDB would serialise
conflicting transactions itself. One lock around DynamoDB calls restores that guarantee
locally; other services keep running concurrently.

moto's TransactWriteItems also deep-copies every table it touches before writing (O(table),
stream records included: 0.65 s at 5,000 items, under that lock) and rolls a cancelled
transaction back by swapping the copy in. The swap orphans the stream shard that readers'
iterators hold, so after the first conflict on a table its stream consumer never sees another
record. ``transact_write_items`` below replaces it: conditions are checked first (a cancelled
transaction writes nothing, as in DynamoDB), and a write that fails midway is undone item by
item, its stream records removed.

moto also writes the sum of an ``ADD`` as ``str(Decimal)``, which can be ``0E-9``, and then fails
to read it back (``int("0E-9")``) in the next arithmetic on it. DynamoDB itself never returns
exponents; ``_positional_numbers`` keeps moto's numbers positional too.

moto's KMS lacks ``GenerateDataKeyPair`` and ``GenerateDataKeyPairWithoutPlaintext`` (circuit
contracts' input keys). ``_data_key_pairs`` adds them as AWS documents them: a fresh pair of
the requested ``KeyPairSpec``, its private key (DER PKCS#8) encrypted under a symmetric
encryption key exactly as moto's ``Encrypt`` does, so that moto's ``Decrypt`` opens it.

moto answers a Query whose key condition has ``BETWEEN`` bounds out of order with no items;
DynamoDB refuses it (ValidationException). ``_ordered_between`` refuses it as DynamoDB does,
so a store that builds such a condition fails locally too. (moto already refuses empty
strings in key conditions, and botocore a Limit below 1.)
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.kms.exceptions import InvalidKeyUsageException, ValidationException
from moto.kms.responses import KmsResponse
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def serialise_dynamodb(app: WsgiApp) -> WsgiApp:
    lock = threading.Lock()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # DynamoDB and its streams (which read the same tables).
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with lock:
                return list(app(environ, start_response))
        return app(environ, start_response)

    return wrapped


@dataclass(frozen=True)
class _Write:
    kind: str  # ConditionCheck, Put, Delete or Update
    request: dict[str, Any]
    table: Table
    key: dict[str, Any]

    @classmethod
    def parse(cls, backend: DynamoDBBackend, item: dict[str, Any]) -> _Write:
        if len(item) != 1:
            raise TransactWriteSingleOpException
        kind, request = next(iter(item.items()))
        table = backend.get_table(request["TableName"])
        if kind != "Put":
            return cls(kind, request, table, request["Key"])
        key_names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        return cls(kind, request, table, {name: request["Item"][name] for name in key_names})

    @property
    def identity(self) -> tuple[str, str]:
        return self.table.name, str(sorted(self.key.items()))

    def failed_condition(self, backend: DynamoDBBackend) -> tuple[str, str, Any] | None:
        condition = self.request.get("ConditionExpression")
        if condition is None:
            return None
        current = backend.get_item(self.table.name, self.key)
        check = get_filter_expression(condition, self.request.get("ExpressionAttributeNames"),
                                      self.request.get("ExpressionAttributeValues"))
        if check.expr(current):
            return None
        old = (current.to_json()["Attributes"] if current is not None and self.request.get(
            "ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None)
        return "ConditionalCheckFailed", ConditionalCheckFailed().message, old

    def apply(self, backend: DynamoDBBackend) -> None:
        names = self.request.get("ExpressionAttributeNames")
        values = self.request.get("ExpressionAttributeValues")
        if self.kind == "Put":
            backend.put_item(self.table.name, self.request["Item"])
        elif self.kind == "Delete":
            backend.delete_item(self.table.name, self.key)
        elif self.kind == "Update":
            backend.update_item(self.table.name, self.key, self.request["UpdateExpression"],
                                names, values)


class _Undo:
    """The touched items as they were, and each stream's length: enough to take writes back."""

    def __init__(self, backend: DynamoDBBackend, writes: list[_Write]) -> None:
        self._backend = backend
        self._items = [(write, copy.deepcopy(backend.get_item(write.table.name, write.key)))
                       for write in writes if write.kind != "ConditionCheck"]
        self._streams = {write.table.name: (write.table.stream_shard,
                                            len(write.table.stream_shard.items))
                         for write in writes if write.table.stream_shard is not None}

    def __call__(self) -> None:
        for write, before in self._items:
            if before is None:
                self._backend.delete_item(write.table.name, write.key)
            else:
                self._backend.put_item(write.table.name, before.to_json()["Attributes"])
        for shard, length in self._streams.values():
            del shard.items[length:]


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    writes = [_Write.parse(self, item) for item in transact_items]
    if len({write.identity for write in writes}) != len(writes):
        raise MultipleTransactionsException()
    failures = [write.failed_condition(self) for write in writes]
    if any(failures):
        raise TransactionCanceledException([f or (None, None, None) for f in failures])
    undo = _Undo(self, writes)
    for position, write in enumerate(writes):
        try:
            write.apply(self)
        except Exception as error:
            undo()
            if isinstance(error, MockValidationException):
                raise
            reasons: list[Any] = [(None, None, None)] * len(writes)
            reasons[position] = (type(error).__name__, str(error), None)
            raise TransactionCanceledException(reasons) from error


def _positional_numbers() -> None:
    original = DynamoType.__init__
    if getattr(original, "positional", False):
        return

    def init(self: DynamoType, type_as_dict: Any) -> None:
        original(self, type_as_dict)
        if self.type == "N" and isinstance(self.value, str) and "e" in self.value.lower():
            self.value = format(Decimal(self.value), "f")

    init.positional = True  # type: ignore[attr-defined]
    DynamoType.__init__ = init  # type: ignore[method-assign]


def _ordered_between() -> None:
    original = dynamodb_responses.parse_expression
    if getattr(original, "ordered_between", False):
        return

    def parse(*args: Any, **kwargs: Any) -> Any:
        parsed = original(*args, **kwargs)
        for _, comparison, values in parsed[1]:
            if comparison.upper() == "BETWEEN":
                lower, upper = (DynamoType(value) for value in values)
                if lower.type == upper.type and lower > upper:
                    raise MockValidationException(
                        "Invalid KeyConditionExpression: The BETWEEN operator requires upper "
                        "bound to be greater than or equal to lower bound; lower bound "
                        f"operand: AttributeValue: {values[0]}, upper bound operand: "
                        f"AttributeValue: {values[1]}")
        return parsed

    parse.ordered_between = True  # type: ignore[attr-defined]
    dynamodb_responses.parse_expression = parse  # type: ignore[assignment]


_KEY_PAIR_SPECS: dict[str, Callable[[], Any]] = {
    **{f"RSA_{bits}": lambda bits=bits: rsa.generate_private_key(65537, bits)
       for bits in (2048, 3072, 4096)},
    "ECC_NIST_P256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ECC_NIST_P384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "ECC_NIST_P521": lambda: ec.generate_private_key(ec.SECP521R1()),
    "ECC_SECG_P256K1": lambda: ec.generate_private_key(ec.SECP256K1()),
}


def _data_key_pair(self: KmsResponse) -> dict[str, str]:
    """GenerateDataKeyPair's answer, plaintext private key included."""
    key_id = self._get_param("KeyId")
    spec = self._get_param("KeyPairSpec")
    self._validate_key_id(key_id)
    if spec not in _KEY_PAIR_SPECS:
        raise ValidationException(f"1 validation error detected: Value '{spec}' at "
                                  f"'keyPairSpec' failed to satisfy constraint: Member must "
                                  f"satisfy enum value set: {sorted(_KEY_PAIR_SPECS)}")
    key = self.kms_backend.describe_key(self.kms_backend.any_id_to_key_id(key_id))
    # moto leaves KeyUsage unset when CreateKey did not name it; AWS's default applies.
    if key.key_spec != "SYMMETRIC_DEFAULT" or (key.key_usage or "ENCRYPT_DECRYPT") != (
            "ENCRYPT_DECRYPT"):
        raise InvalidKeyUsageException()  # AWS: only a symmetric encryption key wraps pairs
    private = _KEY_PAIR_SPECS[spec]()
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = private.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    blob, arn = self.kms_backend.encrypt(key_id=key_id, plaintext=der,
                                         encryption_context=self._get_param(
                                             "EncryptionContext", {}))
    return {"KeyId": arn, "KeyPairSpec": spec,
            "PublicKey": base64.b64encode(public).decode(),
            "PrivateKeyCiphertextBlob": base64.b64encode(blob).decode(),
            "PrivateKeyPlaintext": base64.b64encode(der).decode()}


def _generate_data_key_pair(self: KmsResponse) -> str:
    return json.dumps(_data_key_pair(self))


def _generate_data_key_pair_without_plaintext(self: KmsResponse) -> str:
    answer = _data_key_pair(self)
    del answer["PrivateKeyPlaintext"]
    return json.dumps(answer)


def _data_key_pairs() -> None:
    """Add the two operations unless moto has them (a later moto may)."""
    for name, method in (("generate_data_key_pair", _generate_data_key_pair),
                         ("generate_data_key_pair_without_plaintext",
                          _generate_data_key_pair_without_plaintext)):
        if not hasattr(KmsResponse, name):
            setattr(KmsResponse, name, method)


class LocalMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
        _positional_numbers()
        _ordered_between()
        _data_key_pairs()
        app = serialise_dynamodb(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True,
                                   request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
