"""Contracts: what the parties agree on, its lifecycle and signatures, and the requests that
make and change it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cms.api.schemas.common import (
    Did,
    Instant,
    SafeInt,
    SafeNumber,
    Sha256Hex,
    SignatureText,
    Timestamp,
    Uuid,
)
from cms.domain.contracts.content import MAX_CONTENT_BYTES
from cms.domain.contracts.listing import CURSOR_DESCRIPTION, CURSOR_EXAMPLE, CURSOR_PATTERN
from cms.domain.contracts.ranges import (
    SIGNING_DEADLINE_RANGE,
    VALID_FROM_RANGE,
    VALID_UNTIL_RANGE,
)
from cms.domain.templates.model import TEMPLATE_ID

# A lower-case UUID, as the platform names contracts and attachments (common.Uuid's form).
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ListingScope = Literal["mine", "all"]
ContractStatus = Literal["draft", "review", "signed", "active", "completed", "terminated",
                         "expired"]
PartyRole = Literal["provider", "consumer"]
SignatureScheme = Literal["eip712", "ed25519-prefixed-digest"]
Cursor = Annotated[str, Field(pattern=CURSOR_PATTERN, description=CURSOR_DESCRIPTION,
                              examples=[CURSOR_EXAMPLE])]

_CONTENT_LIMIT = (f"The whole content (title, description, parties, terms, metadata, validity) "
                  f"is at most {MAX_CONTENT_BYTES} bytes as canonical JSON (RFC 8785)")
# Not blank: at least one character that is not white space (a search, as JSON Schema means).
NOT_BLANK = r"\S"
Title = Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
# I-JSON as a contract's content holds it, declared one level deep: request bodies are parsed
# as I-JSON with bounded nesting (cms.api.requests) and the content's size is bounded as a
# whole, so deeper levels need no schema of their own, and a recursive union would defeat
# client generators (openapi-python-client cannot parse one). No string may be longer than
# the whole content.
ContentValue = (Annotated[str, Field(max_length=MAX_CONTENT_BYTES)] | bool | SafeInt
                | SafeNumber | list[Any] | dict[str, Any] | None)
ContentObject = dict[str, ContentValue]
Description = Annotated[str, Field(max_length=10_000)]
# Terms are what the parties agree on, in the product's own words: free-form on purpose.
Terms = Annotated[
    ContentObject | Annotated[str, Field(min_length=1, max_length=MAX_CONTENT_BYTES,
                                         pattern=NOT_BLANK)],
    Field(description=f"A JSON object (I-JSON) or text. {_CONTENT_LIMIT}.")]
Metadata = Annotated[ContentObject, Field(description=(
    f"Free-form I-JSON. The keys template, document and attachments are the platform's. "
    f"{_CONTENT_LIMIT}."))]
ValidFrom = Annotated[Timestamp, Field(description=f"ISO 8601 with a timezone, "
                                                   f"{VALID_FROM_RANGE}")]
ValidUntil = Annotated[Timestamp, Field(description=f"ISO 8601 with a timezone, "
                                                    f"{VALID_UNTIL_RANGE}")]
TemplateId = Annotated[str, Field(pattern=f"^{TEMPLATE_ID.pattern}$")]
TemplateVersion = Annotated[int, Field(ge=1, le=1_000_000)]
Variables = Annotated[ContentObject, Field(
    description="The template's variables, checked against its own schema")]


class ContractSignature(BaseModel):
    """A party's signature over the contract digest."""

    signer_did: Did
    role: PartyRole
    verification_method: str = Field(description="The DID URL of the key that signed")
    scheme: SignatureScheme
    signature: str = Field(description="Hex (Ethereum: r‖s‖v; Ed25519: 64 bytes)")
    digest: Sha256Hex = Field(description="The contract digest signed")
    signed_at: Instant
    chain_id: SafeInt = Field(description="The EIP-712 domain's chain id")


class Contract(BaseModel):
    """A contract between a provider and a consumer. ``digest`` (SHA-256 of the RFC 8785
    form of the content, bound to the id) is frozen at submission and is what both sign."""

    id: Uuid
    title: str
    description: str
    provider_did: Did
    consumer_did: Did
    terms: ContentObject | str
    metadata: ContentObject
    valid_from: Instant
    valid_until: Instant
    status: ContractStatus
    digest: Sha256Hex | None = Field(description="Frozen at submission; null in draft")
    content_digest: Sha256Hex = Field(description="The digest of the content as it is now")
    signatures: list[ContractSignature]
    required_signers: list[Did]
    pending_signers: list[Did] = Field(description="Who has yet to sign (in review)")
    signing_deadline: Instant | None = Field(
        description="Unsigned by then, the contract expires (set at submission)")
    created_at: Instant
    updated_at: Instant
    version: int = Field(ge=1, description="Events on the contract's chain so far")
    head_hash: Sha256Hex = Field(description="The hash of the chain's last event")


class ContractPage(BaseModel):
    items: list[Contract]
    next_cursor: Cursor | None = Field(description="The next page's cursor; null at the end")


class Eip712Field(BaseModel):
    name: str
    type: str


class Eip712Types(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    eip712_domain: list[Eip712Field] = Field(alias="EIP712Domain")
    contract_signature: list[Eip712Field] = Field(alias="ContractSignature")


class Eip712Domain(BaseModel):
    name: Literal["CMS Contract Signature"]
    version: Literal["1"]
    chain_id: SafeInt = Field(alias="chainId")


class ContractSignatureMessage(BaseModel):
    contract_id: Uuid = Field(alias="contractId")
    digest: str = Field(pattern=r"^0x[0-9a-f]{64}$", description="0x and the contract digest")
    signer: Did


class Eip712TypedData(BaseModel):
    """EIP-712 typed data, as ``eth_signTypedData_v4`` takes it."""

    types: Eip712Types
    primary_type: Literal["ContractSignature"] = Field(alias="primaryType")
    domain: Eip712Domain
    message: ContractSignatureMessage


class SigningPayload(BaseModel):
    """What the caller signs. ``scheme`` follows the caller's DID: ``eip712`` (did:pkh,
    did:ethr) signs ``typed_data``; ``ed25519-prefixed-digest`` (did:key) signs the UTF-8
    ``message``; ``any`` (did:web, whose document may hold either key) carries both.
    Rebuild it from the contract and compare before signing (the SDKs do)."""

    contract_id: Uuid
    digest: Sha256Hex
    signer_did: Did
    scheme: Literal["eip712", "ed25519-prefixed-digest", "any"]
    typed_data: Eip712TypedData | None = None
    message: str | None = Field(default=None, description=(
        "cms-contract-signature/v1, then contract:<id>, digest:sha256:<hex> and "
        "signer:<did>, one per line"))


# -- requests


class NewContract(BaseModel):
    """Either explicit terms and validity (title, terms, valid_from and valid_until
    required), or a template version and its variables, which give the terms, the validity
    and the rendered document."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [{
        "title": "Training data licence", "description": "DP training on provider data",
        "consumer_did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "terms": {"purpose": "training", "epsilon": 3.0},
        "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2036-01-01T00:00:00Z"}]})
    title: Title | None = None
    description: Description = ""
    consumer_did: Did
    terms: Terms | None = None
    valid_from: ValidFrom | None = None
    valid_until: ValidUntil | None = None
    metadata: Metadata = Field(default_factory=dict)
    template_id: TemplateId | None = None
    template_version: TemplateVersion | None = Field(
        default=None, description="Default: the template's latest version")
    variables: Variables | None = None


class ContractChange(BaseModel):
    """Changes to a draft (provider only); omitted fields stay as they are. A template
    contract changes its terms and validity through ``variables``."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"title": "Training data licence (revised)"},
        {"terms": {"purpose": "training", "epsilon": 2.0}}]})
    title: Title | None = None
    description: Description | None = None
    consumer_did: Did | None = None
    terms: Terms | None = None
    valid_from: ValidFrom | None = None
    valid_until: ValidUntil | None = None
    metadata: Metadata | None = None
    variables: Variables | None = None


class ContractSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [{}]})
    signing_deadline: Timestamp | None = Field(default=None, description=(
        f"Unsigned by then, the contract expires: {SIGNING_DEADLINE_RANGE}. Default: 30 "
        f"days from now, or valid_until if sooner"))


class ChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"reason": "lower the price"}]})
    reason: str | None = Field(default=None, max_length=2000)


class Termination(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"reason": "no longer needed"}]})
    reason: str = Field(min_length=1, max_length=2000)


class SignRequest(BaseModel):
    """A signature over the signing payload (GET …/signing-payload)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"signature": "0x" + "11" * 64 + "1b"}]})
    signature: SignatureText
    verification_method: str | None = Field(default=None, min_length=1, max_length=2300,
                                            description="The DID URL of the key, if the "
                                                        "DID has several")
