"""The key store: private keys encrypted at rest in the configuration directory.

Each key is two files in ``keys/``, 0600 in a 0700 directory:

- ``NAME.json``: the private key, encrypted. An Ed25519 key is exactly the web UI's
  ``cms-ed25519-key`` version 1 encrypted file (sdk/typescript/src/keys/keyFile.ts:
  PBKDF2-SHA256 over the NFC passphrase, AES-256-GCM, base64url without padding), so
  ``cms key export`` gives a file the browser imports and the browser's export imports here.
  A secp256k1 key is an Ethereum keystore v3 (what wallets and geth read), via eth-account.
- ``NAME.meta.json``: what can be shown without the passphrase: the kind, the DID (with its
  method and chain id for secp256k1, or a did:web that overrides the key's own DID), the
  public key.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import unicodedata
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import typer
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from nacl.signing import SigningKey

from cms.domain.did import did_key_from_ed25519
from cms_client.cli.config import check_name, config_dir, write_private
from cms_client.cli.exit_codes import CliError
from cms_client.signers import Ed25519Signer, EthereumSigner, Signer

KeyType = Literal["ed25519", "eth"]

KEY_FILE_TYPE = "cms-ed25519-key"
KEY_FILE_VERSION = 1
DEFAULT_ITERATIONS = 600_000
MIN_ITERATIONS = 100_000
MAX_ITERATIONS = 10_000_000
SALT_LENGTH, IV_LENGTH, TAG_LENGTH, SEED_LENGTH = 16, 12, 16, 32
# scrypt's cost for new keystores: None is eth-account's default (n = 2**18, as geth).
ETH_SCRYPT_N: int | None = None
PASSPHRASE_ENV = "CMS_KEY_PASSPHRASE"  # noqa: S105 (the variable's name, not a secret)


def _eth_account() -> Any:
    """eth_account's Account, imported when a secp256k1 key is used: the import costs ~0.4 s,
    which every command would pay otherwise."""
    from eth_account import Account

    return Account


class WrongPassphrase(CliError):
    """The passphrase does not open the key (AES-GCM and keystore v3's MAC cannot tell that
    from an altered file)."""


# ------------------------------------------------------------------ the browser's key file

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(value: Any, name: str, length: int) -> bytes:
    if not isinstance(value, str):
        raise CliError(f"the key file's {name} is not a string")
    try:
        decoded = base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except ValueError:
        raise CliError(f"the key file's {name} is not base64url") from None
    if len(decoded) != length:
        raise CliError(f"the key file's {name} is {len(decoded)} bytes, not {length}")
    return decoded


def _aes_key(passphrase: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(unicodedata.normalize("NFC", passphrase).encode("utf-8"))


def _check_iterations(iterations: Any) -> int:
    if (not isinstance(iterations, int) or isinstance(iterations, bool)
            or not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS):
        raise CliError(f"the key file's iterations ({iterations}) must be a whole number from "
                       f"{MIN_ITERATIONS} to {MAX_ITERATIONS}")
    return iterations


def _common(seed: bytes) -> dict[str, Any]:
    public = bytes(SigningKey(seed).verify_key)
    return {"type": KEY_FILE_TYPE, "version": KEY_FILE_VERSION,
            "did": did_key_from_ed25519(public), "publicKey": public.hex()}


def plain_key_file(seed: bytes) -> dict[str, Any]:
    return {**_common(seed), "privateKey": seed.hex()}


def encrypt_key_file(seed: bytes, passphrase: str, *,
                     iterations: int = DEFAULT_ITERATIONS) -> dict[str, Any]:
    """The web UI's encrypted key file for an Ed25519 seed (encryptKeyFile)."""
    _check_iterations(iterations)
    salt, iv = os.urandom(SALT_LENGTH), os.urandom(IV_LENGTH)
    ciphertext = AESGCM(_aes_key(passphrase, salt, iterations)).encrypt(iv, seed, None)
    return {**_common(seed), "encrypted": {
        "kdf": "PBKDF2-SHA256", "iterations": iterations, "salt": _b64url(salt),
        "cipher": "AES-256-GCM", "iv": _b64url(iv), "ciphertext": _b64url(ciphertext)}}


def _only_fields(value: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [name for name in value if name not in allowed]
    if unknown:
        raise CliError(f"the key file has fields this version does not know: {', '.join(unknown)}")
    missing = [name for name in allowed if name not in value]
    if missing:
        raise CliError(f"the key file lacks {', '.join(missing)}")


def _hex32(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) != 64:
        raise CliError(f"the key file's {name} is not 64 hex digits")
    try:
        bytes.fromhex(value)
    except ValueError:
        raise CliError(f"the key file's {name} is not 64 hex digits") from None
    return value.lower()


def parse_key_file(file: Any) -> dict[str, Any]:
    """A ``cms-ed25519-key`` v1 file read as strictly as the web UI reads it (parseKeyFile)."""
    if not isinstance(file, dict) or file.get("type") != KEY_FILE_TYPE:
        raise CliError(f"this is not a key file: its type is not '{KEY_FILE_TYPE}'")
    if file.get("version") != KEY_FILE_VERSION:
        raise CliError(f"this key file's version ({file.get('version')}) is not one this CLI "
                       f"reads ({KEY_FILE_VERSION})")
    public = _hex32(file.get("publicKey"), "publicKey")
    if file.get("did") != did_key_from_ed25519(bytes.fromhex(public)):
        raise CliError("the key file's DID does not name its public key")
    if "privateKey" in file and "encrypted" not in file:
        _only_fields(file, ("type", "version", "did", "publicKey", "privateKey"))
        _hex32(file["privateKey"], "privateKey")
        return file
    _only_fields(file, ("type", "version", "did", "publicKey", "encrypted"))
    encrypted = file["encrypted"]
    if not isinstance(encrypted, dict):
        raise CliError("the key file's 'encrypted' is not an object")
    _only_fields(encrypted, ("kdf", "iterations", "salt", "cipher", "iv", "ciphertext"))
    if encrypted["kdf"] != "PBKDF2-SHA256" or encrypted["cipher"] != "AES-256-GCM":
        raise CliError("the key file's kdf or cipher is not PBKDF2-SHA256 / AES-256-GCM")
    _check_iterations(encrypted["iterations"])
    _unb64url(encrypted["salt"], "salt", SALT_LENGTH)
    _unb64url(encrypted["iv"], "iv", IV_LENGTH)
    _unb64url(encrypted["ciphertext"], "ciphertext", SEED_LENGTH + TAG_LENGTH)
    return file


def open_key_file(file: dict[str, Any], passphrase: str | None) -> bytes:
    """The seed of a parsed key file, checked against its public key (openKeyFile)."""
    if "encrypted" in file:
        if passphrase is None:
            raise CliError("this key file is encrypted: its passphrase is needed")
        encrypted = file["encrypted"]
        key = _aes_key(passphrase, _unb64url(encrypted["salt"], "salt", SALT_LENGTH),
                       encrypted["iterations"])
        try:
            seed = AESGCM(key).decrypt(
                _unb64url(encrypted["iv"], "iv", IV_LENGTH),
                _unb64url(encrypted["ciphertext"], "ciphertext", SEED_LENGTH + TAG_LENGTH), None)
        except InvalidTag:
            raise WrongPassphrase("the passphrase does not open this key "
                                  "(or the file was altered)") from None
    else:
        seed = bytes.fromhex(file["privateKey"])
    if bytes(SigningKey(seed).verify_key).hex() != file["publicKey"].lower():
        raise CliError("the key file's private key does not belong to its public key")
    return seed


def is_eth_keystore(file: Any) -> bool:
    return isinstance(file, dict) and file.get("version") == 3 and (
        "crypto" in file or "Crypto" in file)


# An imported keystore's KDF cost must lie within these bounds: below them the key is weak
# (a stolen file is cheap to brute-force), above them opening it hangs every command that signs.
SCRYPT_N_BOUNDS = (2**12, 2**20)
SCRYPT_MAX_R = SCRYPT_MAX_P = 16
PBKDF2_C_BOUNDS = (MIN_ITERATIONS, MAX_ITERATIONS)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_eth_kdf(file: dict[str, Any]) -> None:
    """Refuse a keystore v3 whose scrypt or PBKDF2 cost is outside the bounds above."""
    crypto = file.get("crypto") or file.get("Crypto")
    kdf = crypto.get("kdf") if isinstance(crypto, dict) else None
    params = crypto.get("kdfparams") if isinstance(crypto, dict) else None
    if not isinstance(params, dict):
        raise CliError("the Ethereum keystore has no kdfparams")
    why = ("a lower cost makes the key cheap to guess, a higher one makes every command "
           "that opens it hang")
    if kdf == "scrypt":
        n, r, p = params.get("n"), params.get("r"), params.get("p")
        low, high = SCRYPT_N_BOUNDS
        if not (_whole(n) and low <= n <= high and _whole(r) and 1 <= r <= SCRYPT_MAX_R
                and _whole(p) and 1 <= p <= SCRYPT_MAX_P):
            raise CliError(f"the Ethereum keystore's scrypt cost (n={n}, r={r}, p={p}) is "
                           f"refused: n must be from 2**12 to 2**20, r and p at most 16 ({why})")
    elif kdf == "pbkdf2":
        c, prf = params.get("c"), params.get("prf")
        low, high = PBKDF2_C_BOUNDS
        if prf != "hmac-sha256":
            raise CliError(f"the Ethereum keystore's pbkdf2 prf ({prf}) is not hmac-sha256")
        if not (_whole(c) and low <= c <= high):
            raise CliError(f"the Ethereum keystore's pbkdf2 iterations (c={c}) are refused: "
                           f"they must be from {low} to {high} ({why})")
    else:
        raise CliError(f"the Ethereum keystore's kdf ({kdf}) is not scrypt or pbkdf2")


def open_eth_keystore(file: dict[str, Any], passphrase: str) -> str:
    check_eth_kdf(file)  # before deriving: an absurd cost would hang here
    try:
        return "0x" + bytes(_eth_account().decrypt(file, passphrase)).hex()
    except ValueError as error:
        if "MAC mismatch" in str(error):
            raise WrongPassphrase("the passphrase does not open this key "
                                  "(or the file was altered)") from None
        raise CliError(f"this Ethereum keystore cannot be read: {error}") from None


# ------------------------------------------------------------------ passphrases

def passphrase_available() -> bool:
    """Whether a key can be opened without anyone typing: the variable is set, or there is a
    terminal to ask on."""
    return PASSPHRASE_ENV in os.environ or sys.stdin.isatty()


def read_passphrase(purpose: str, *, confirm: bool = False) -> str:
    """``CMS_KEY_PASSPHRASE``, else a hidden prompt on the terminal (typed twice for a new
    key); without either, a clear refusal rather than a hang."""
    if PASSPHRASE_ENV in os.environ:
        if confirm and not os.environ[PASSPHRASE_ENV]:
            raise CliError(f"{PASSPHRASE_ENV} is empty: an empty passphrase would leave the "
                           "key unprotected (set it to the passphrase to encrypt with)")
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise CliError(f"{purpose} needs a passphrase: set {PASSPHRASE_ENV} "
                       "or run on a terminal")
    value: str = typer.prompt(f"Passphrase for {purpose}", hide_input=True,
                              confirmation_prompt=confirm, err=True)
    if confirm and not value:
        raise CliError("an empty passphrase would leave the key unprotected")
    return value


# ------------------------------------------------------------------ the store

@dataclass
class KeyEntry:
    """What ``keys/NAME.meta.json`` holds: everything about a key but its secret."""

    name: str
    type: KeyType
    did: str
    public_key: str
    method: str | None = None  # eth: pkh or ethr
    chain_id: int | None = None  # eth with did:pkh
    did_web: str | None = None  # a did:web this key signs for, instead of its own DID
    created_at: str = ""

    @property
    def signing_did(self) -> str:
        return self.did_web or self.did


def _eth_did(address: str, method: str, chain_id: int) -> str:
    return f"did:pkh:eip155:{chain_id}:{address}" if method == "pkh" else f"did:ethr:{address}"


class KeyStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir(create=False) / "keys"
        # Read when the store is made so that tests can lower the work factors (to the
        # formats' minimums, module-wide); users always get the defaults.
        self.iterations = DEFAULT_ITERATIONS
        self.eth_scrypt_n: int | None = ETH_SCRYPT_N

    def _key_path(self, name: str) -> Path:
        return self.directory / f"{check_name(name, 'key')}.json"

    def _meta_path(self, name: str) -> Path:
        return self.directory / f"{check_name(name, 'key')}.meta.json"

    def exists(self, name: str) -> bool:
        return self._meta_path(name).exists()

    def entry(self, name: str) -> KeyEntry:
        try:
            data = json.loads(self._meta_path(name).read_text(encoding="utf-8"))
            return KeyEntry(**data)
        except FileNotFoundError:
            raise CliError(f"no key named '{name}' (cms key list shows them)") from None
        except (ValueError, TypeError) as error:
            raise CliError(f"key '{name}' has a damaged description: {error}") from None

    def list(self) -> list[KeyEntry]:
        if not self.directory.exists():
            return []
        names = sorted(p.name.removesuffix(".meta.json")
                       for p in self.directory.glob("*.meta.json"))
        return [self.entry(name) for name in names]

    def _save(self, entry: KeyEntry, key_file: dict[str, Any]) -> KeyEntry:
        if self.exists(entry.name):
            raise CliError(f"a key named '{entry.name}' exists already "
                           "(cms key delete it first)")
        entry.created_at = entry.created_at or datetime.now(UTC).isoformat(timespec="seconds")
        # The secret first, the description last: a key is listed only once it is whole.
        write_private(self._key_path(entry.name),
                      (json.dumps(key_file, indent=2) + "\n").encode("utf-8"))
        write_private(self._meta_path(entry.name),
                      (json.dumps(asdict(entry), indent=2) + "\n").encode("utf-8"))
        return entry

    def add_ed25519(self, name: str, seed: bytes, passphrase: str, *,
                    did_web: str | None = None) -> KeyEntry:
        return self.add_ed25519_file(name, encrypt_key_file(seed, passphrase,
                                                             iterations=self.iterations),
                                     did_web=did_web)

    def add_ed25519_file(self, name: str, encrypted_file: dict[str, Any], *,
                         did_web: str | None = None) -> KeyEntry:
        entry = KeyEntry(name, "ed25519", encrypted_file["did"], encrypted_file["publicKey"],
                         did_web=did_web)
        return self._save(entry, encrypted_file)

    def add_eth(self, name: str, private_key: str, passphrase: str, *, method: str = "pkh",
                chain_id: int = 1, did_web: str | None = None) -> KeyEntry:
        keystore = _eth_account().encrypt(private_key, passphrase, kdf="scrypt",
                                   iterations=self.eth_scrypt_n)
        return self.add_eth_keystore(name, keystore, private_key, method=method,
                                     chain_id=chain_id, did_web=did_web)

    def add_eth_keystore(self, name: str, keystore: dict[str, Any], private_key: str, *,
                         method: str = "pkh", chain_id: int = 1,
                         did_web: str | None = None) -> KeyEntry:
        """A keystore v3 kept as it is; ``private_key`` (what it decrypts to) names the
        address, which must be the one the keystore states."""
        address = _eth_account().from_key(private_key).address
        stated = str(keystore.get("address", address)).lower().removeprefix("0x")
        if stated != address.lower().removeprefix("0x"):
            raise CliError("the Ethereum keystore's address is not its key's address")
        entry = KeyEntry(name, "eth", _eth_did(address, method, chain_id), address,
                         method=method, chain_id=chain_id if method == "pkh" else None,
                         did_web=did_web)
        return self._save(entry, keystore)

    def key_file(self, name: str) -> dict[str, Any]:
        """The stored (encrypted) key file as it is on disk."""
        self.entry(name)
        try:
            data: dict[str, Any] = json.loads(self._key_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CliError(f"key '{name}' cannot be read: {error}") from None
        return data

    def private_key(self, name: str, passphrase: str) -> tuple[KeyEntry, str]:
        """The key's secret in hex (an Ed25519 seed or a secp256k1 private key with 0x)."""
        entry, file = self.entry(name), self.key_file(name)
        try:
            if entry.type == "ed25519":
                return entry, open_key_file(parse_key_file(file), passphrase).hex()
            return entry, open_eth_keystore(file, passphrase)
        except WrongPassphrase:
            raise WrongPassphrase(f"the passphrase does not open key '{name}' "
                                  "(or its file was altered)") from None

    def signer(self, name: str, passphrase: str) -> Signer:
        entry, secret = self.private_key(name, passphrase)
        # A did:web (checked when the key was stored) names this key in its document: the
        # signer speaks for that DID instead of the key's own.
        if entry.type == "ed25519":
            return Ed25519Signer(bytes.fromhex(secret), did=entry.did_web)
        return EthereumSigner(secret, chain_id=entry.chain_id or 1,
                              method=entry.method or "pkh", did=entry.did_web)

    def lazy_signer(self, name: str) -> LazySigner:
        """The key's signer, opened only when it first signs (LazySigner)."""
        return LazySigner(self, self.entry(name))

    def export(self, name: str, *, plain_passphrase: str | None = None) -> dict[str, Any]:
        """The key file as stored (encrypted), or, given the passphrase, in the clear: the
        web UI's plain key file for Ed25519, address and private key for secp256k1."""
        if plain_passphrase is None:
            return self.key_file(name)
        entry, secret = self.private_key(name, plain_passphrase)
        if entry.type == "ed25519":
            return plain_key_file(bytes.fromhex(secret))
        return {"address": entry.public_key, "did": entry.did, "private_key": secret}

    def delete(self, name: str) -> None:
        self.entry(name)
        self._meta_path(name).unlink()
        self._key_path(name).unlink(missing_ok=True)



class LazySigner:
    """A stored key's signer whose DID and public key come from its description, and which
    opens the key (reads its passphrase, runs the deliberately slow KDF) only when it first
    has to sign: a command whose cached token never needs renewing pays nothing for it."""

    def __init__(self, store: KeyStore, entry: KeyEntry) -> None:
        self.did = entry.signing_did
        self._public_key = entry.public_key
        self._store, self._name = store, entry.name
        self._opened: Signer | None = None

    @property
    def public_key(self) -> str:
        return self._public_key

    def _signer(self) -> Signer:
        if self._opened is None:
            self._opened = self._store.signer(self._name, read_passphrase(f"key '{self._name}'"))
        return self._opened

    def sign_message(self, text: str) -> str:
        return self._signer().sign_message(text)

    def sign_contract(self, payload: dict[str, Any]) -> str:
        return self._signer().sign_contract(payload)
