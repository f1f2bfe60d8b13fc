"""The demo's Ed25519 key file for the web UI (local_stack/browser_key.py): the plain format
the UI imports, a did:key that is the key's own, readable by its owner only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from nacl.signing import SigningKey

from cms.domain.did.document import decode_multikey
from local_stack.browser_key import key_file_document, new_seed, write_key_file

ED25519_MULTICODEC = 0xED


def test_the_key_file_is_the_uis_plain_format_and_its_did_is_the_key(tmp_path: Path) -> None:
    seed = new_seed()
    path = write_key_file(seed, tmp_path / "keys" / "demo.json")
    document = json.loads(path.read_text())
    assert set(document) == {"type", "version", "did", "publicKey", "privateKey"}
    assert (document["type"], document["version"]) == ("cms-ed25519-key", 1)
    assert document["privateKey"] == seed.hex() and len(document["privateKey"]) == 64
    public_key = bytes(SigningKey(seed).verify_key)
    assert document["publicKey"] == public_key.hex() and len(document["publicKey"]) == 64
    assert document["did"].startswith("did:key:z6Mk")
    codec, key = decode_multikey(document["did"].removeprefix("did:key:"))
    assert (codec, key) == (ED25519_MULTICODEC, public_key)


def test_the_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    path.write_text("an older file, readable by all")
    path.chmod(0o644)
    write_key_file(new_seed(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["type"] == "cms-ed25519-key"


def test_each_demo_gets_a_key_of_its_own() -> None:
    first, second = key_file_document(new_seed()), key_file_document(new_seed())
    assert first["did"] != second["did"]
