"""The key store: keys encrypted at rest in the web UI's format (both ways), round trips,
wrong passphrases, file modes."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from cms_client.cli import keystore
from cms_client.cli.exit_codes import CliError
from cms_client.cli.keystore import KeyStore, WrongPassphrase, open_key_file, parse_key_file
from tests.conftest import REPO
from tests.unit.cli.identity_support import cms, home  # noqa: F401 (a fixture)

VECTORS = REPO / "tests" / "vectors" / "key_files"
# make-vector.sh's seed and passphrase (RFC 8032's first test key; a non-ASCII passphrase,
# since both sides must normalise it to NFC the same way).
VECTOR_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
VECTOR_PASSPHRASE = "correct horse battery staple ✓"
TSX = REPO / "sdk" / "typescript" / "node_modules" / ".bin" / "tsx"


def test_a_key_file_the_web_ui_encrypted_opens_here() -> None:
    file = parse_key_file(json.loads((VECTORS / "from-web-ui.json").read_text()))
    assert file["encrypted"]["iterations"] == keystore.DEFAULT_ITERATIONS
    assert open_key_file(file, VECTOR_PASSPHRASE).hex() == VECTOR_SEED
    with pytest.raises(WrongPassphrase):
        open_key_file(file, VECTOR_PASSPHRASE.rstrip(" ✓"))


@pytest.mark.skipif(not TSX.exists(), reason="sdk/typescript's node_modules are not installed")
def test_a_key_file_encrypted_here_opens_in_the_web_ui(tmp_path: Path) -> None:
    file = keystore.encrypt_key_file(bytes.fromhex(VECTOR_SEED), VECTOR_PASSPHRASE)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(file, indent=2) + "\n")
    opened = subprocess.run([str(TSX), str(VECTORS / "interop.mts"), "open", str(path),
                             VECTOR_PASSPHRASE], capture_output=True, text=True, timeout=120,
                            check=False, cwd=REPO)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == VECTOR_SEED


def test_the_web_ui_format_is_kept_field_for_field() -> None:
    ours = keystore.encrypt_key_file(bytes.fromhex(VECTOR_SEED), "x",
                                     iterations=keystore.MIN_ITERATIONS)
    theirs = json.loads((VECTORS / "from-web-ui.json").read_text())
    assert list(ours) == list(theirs)
    assert list(ours["encrypted"]) == list(theirs["encrypted"])
    assert {k: v for k, v in ours.items() if k != "encrypted"} == {
        k: v for k, v in theirs.items() if k != "encrypted"}
    assert "=" not in ours["encrypted"]["ciphertext"]  # base64url without padding


@pytest.mark.parametrize("iterations", [1000, keystore.MAX_ITERATIONS + 1, "600000", True])
def test_a_key_file_with_iterations_out_of_bounds_is_refused(iterations: object) -> None:
    file = json.loads((VECTORS / "from-web-ui.json").read_text())
    file["encrypted"]["iterations"] = iterations
    with pytest.raises(CliError, match="iterations"):
        parse_key_file(file)


def test_a_key_file_with_an_unknown_field_or_a_foreign_did_is_refused() -> None:
    file = json.loads((VECTORS / "from-web-ui.json").read_text())
    with pytest.raises(CliError, match="does not know"):
        parse_key_file({**file, "extra": 1})
    with pytest.raises(CliError, match="DID"):
        parse_key_file({**file, "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"})


def test_keys_round_trip_through_the_store(home: Path) -> None:  # noqa: F811
    store = KeyStore()
    ed = store.add_ed25519("ed", bytes.fromhex(VECTOR_SEED), "pw")
    eth = store.add_eth("eth", "0x" + "11" * 32, "pw", method="pkh", chain_id=31337)
    ethr = store.add_eth("ethr", "0x" + "22" * 32, "pw", method="ethr")
    web = store.add_ed25519("web", bytes(32), "pw", did_web="did:web:example.com:alice")
    assert [e.name for e in store.list()] == ["ed", "eth", "ethr", "web"]
    assert store.signer("ed", "pw").did == ed.did
    assert store.signer("eth", "pw").did == eth.did == f"did:pkh:eip155:31337:{eth.public_key}"
    assert store.signer("ethr", "pw").did == ethr.did == f"did:ethr:{ethr.public_key}"
    assert store.signer("web", "pw").did == web.signing_did == "did:web:example.com:alice"
    signature = store.signer("ed", "pw").sign_message("hello")
    assert signature == store.signer("ed", "pw").sign_message("hello")
    assert store.export("ed", plain_passphrase="pw") == keystore.plain_key_file(
        bytes.fromhex(VECTOR_SEED))
    assert store.export("eth", plain_passphrase="pw")["private_key"] == "0x" + "11" * 32
    store.delete("eth")
    assert [e.name for e in store.list()] == ["ed", "ethr", "web"]


def test_files_are_private_and_the_secret_is_never_in_the_clear(home: Path) -> None:  # noqa: F811
    store = KeyStore()
    store.add_ed25519("ed", bytes.fromhex(VECTOR_SEED), "pw")
    store.add_eth("eth", "0x" + "11" * 32, "pw")
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    for path in store.directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert VECTOR_SEED not in path.read_text() and "11" * 32 not in path.read_text()


def test_a_wrong_passphrase_exits_1_with_a_clear_message(home: Path, capsys, monkeypatch) -> None:  # noqa: F811
    KeyStore().add_ed25519("ed", bytes.fromhex(VECTOR_SEED), "right")
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "wrong")
    code, out, err = cms(capsys, "key", "export", "ed", "--plain")
    assert (code, out) == (1, None)
    assert "the passphrase does not open key 'ed'" in err
    KeyStore().add_eth("eth", "0x" + "11" * 32, "right")
    code, _, err = cms(capsys, "key", "export", "eth", "--plain")
    assert code == 1 and "the passphrase does not open key 'eth'" in err


def test_without_a_passphrase_or_a_terminal_the_cli_says_what_to_set(home: Path, capsys) -> None:  # noqa: F811
    code, _, err = cms(capsys, "key", "create", "ed")
    assert code == 1 and "CMS_KEY_PASSPHRASE" in err
    assert KeyStore().list() == []


def test_cli_create_export_import_delete(home: Path, capsys, monkeypatch, tmp_path) -> None:  # noqa: F811
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "pw")
    code, created, _ = cms(capsys, "key", "create", "alice")
    assert code == 0 and created["did"].startswith("did:key:z6Mk")
    code, eth, _ = cms(capsys, "key", "create", "--type", "eth", "--chain-id", "31337", "bob")
    assert code == 0 and eth["did"].startswith("did:pkh:eip155:31337:0x")
    # The first key became the profile's key.
    assert cms(capsys, "profile", "show")[1]["key"] == "alice"
    # The encrypted export is the web UI's file; it imports into another store as it is.
    exported = tmp_path / "alice.json"
    assert cms(capsys, "key", "export", "alice", "--out", str(exported))[0] == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert "encrypted" in json.loads(exported.read_text())
    code, imported, _ = cms(capsys, "key", "import", "alice2", str(exported))
    assert code == 0 and imported["did"] == created["did"]
    # A keystore v3 (the eth key's export) imports too.
    keystore_file = tmp_path / "bob.json"
    assert cms(capsys, "key", "export", "bob", "--out", str(keystore_file))[0] == 0
    code, bob2, _ = cms(capsys, "key", "import", "--chain-id", "31337", "bob2",
                        str(keystore_file))
    assert code == 0 and bob2["did"] == eth["did"]
    # A plain web UI file is encrypted on the way in.
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(keystore.plain_key_file(bytes.fromhex(VECTOR_SEED))))
    code, carol, _ = cms(capsys, "key", "import", "carol", str(plain))
    assert code == 0 and carol["public_key"] == keystore.plain_key_file(
        bytes.fromhex(VECTOR_SEED))["publicKey"]
    assert VECTOR_SEED not in (home / "keys" / "carol.json").read_text()
    assert cms(capsys, "key", "export", "carol", "--plain")[1]["privateKey"] == VECTOR_SEED
    code, listed, _ = cms(capsys, "key", "list")
    assert [k["name"] for k in listed] == ["alice", "alice2", "bob", "bob2", "carol"]
    assert cms(capsys, "key", "delete", "--yes", "alice2")[0] == 0
    assert cms(capsys, "key", "export", "alice2")[0] == 1
    assert cms(capsys, "key", "create", "alice")[0] == 1  # names are not reused silently


def test_cli_imports_a_raw_hex_key_from_stdin_only_with_its_type(
        home: Path, capsys, monkeypatch) -> None:  # noqa: F811
    import io

    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "pw")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"0x" + b"ab" * 32 + b"\n")))
    code, _, err = cms(capsys, "key", "import", "raw", "-")
    assert code == 1 and "--type" in err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"0x" + b"ab" * 32 + b"\n")))
    code, entry, _ = cms(capsys, "key", "import", "--type", "eth", "--method", "ethr", "raw", "-")
    assert code == 0 and entry["did"].startswith("did:ethr:0x")


def test_an_empty_passphrase_variable_encrypts_no_new_key(home: Path, capsys, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "")
    code, out, err = cms(capsys, "key", "create", "ed")
    assert (code, out) == (1, None)
    assert "CMS_KEY_PASSPHRASE is empty" in err and "unprotected" in err
    assert KeyStore().list() == []


def _eth_keystore(kdf: str, **params: object) -> dict:
    """A real keystore v3 of a known key, its kdfparams then changed (its MAC no longer holds:
    the cost must be refused before any derivation)."""
    from eth_account import Account

    options = {"iterations": 2**12} if kdf == "scrypt" else {"iterations": 100_000}
    file = Account.encrypt("0x" + "11" * 32, "pw", kdf=kdf, **options)
    file["crypto"]["kdfparams"].update(params)
    return file


@pytest.mark.parametrize(("kdf", "params", "refusal"), [
    ("scrypt", {"n": 2**11}, "scrypt cost (n=2048"),
    ("scrypt", {"n": 2**21}, "scrypt cost (n=2097152"),
    ("scrypt", {"r": 17}, "r=17"),
    ("scrypt", {"p": 17}, "p=17"),
    ("scrypt", {"n": "4096"}, "scrypt cost"),
    ("pbkdf2", {"c": 1}, "iterations (c=1)"),
    ("pbkdf2", {"c": 10_000_001}, "iterations (c=10000001)"),
])
def test_an_ethereum_keystore_with_a_cost_out_of_bounds_is_not_imported(
        home: Path, capsys, monkeypatch, tmp_path, kdf, params, refusal) -> None:  # noqa: F811
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "pw")
    path = tmp_path / "wallet.json"
    path.write_text(json.dumps(_eth_keystore(kdf, **params)))
    code, out, err = cms(capsys, "key", "import", "w", str(path))
    assert (code, out) == (1, None)
    assert refusal in err and "cheap to guess" in err and "hang" in err
    assert KeyStore().list() == []
    path.write_text(json.dumps(_eth_keystore("pbkdf2", prf="hmac-sha1")))
    code, _, err = cms(capsys, "key", "import", "w", str(path))
    assert code == 1 and "prf (hmac-sha1) is not hmac-sha256" in err


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
def test_an_ethereum_keystore_within_the_bounds_is_imported(
        home: Path, capsys, monkeypatch, tmp_path, kdf) -> None:  # noqa: F811
    monkeypatch.setenv("CMS_KEY_PASSPHRASE", "pw")
    path = tmp_path / "wallet.json"
    path.write_text(json.dumps(_eth_keystore(kdf)))
    code, entry, _ = cms(capsys, "key", "import", "w", str(path))
    assert code == 0 and entry["did"].startswith("did:pkh:eip155:1:0x")
