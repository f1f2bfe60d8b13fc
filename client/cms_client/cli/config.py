"""Where the CLI keeps its state: the configuration directory, profiles and cached tokens.

The directory is ``CMS_CONFIG_DIR`` or the platform's user configuration directory for
``cms`` (platformdirs), created 0700. Profiles live in ``config.toml`` (people edit it by hand,
as they do the AWS CLI's files: TOML reads with the standard library's tomllib and writes with
tomli-w); tokens in ``tokens.json`` (the CLI's own cache, never edited by hand). Every file is
written atomically (a temporary file, then a rename) so a crash never leaves half a file, and
files holding secrets are 0600.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jwt
import platformdirs
import tomli_w

from cms_client.cli.exit_codes import CliError

DEFAULT_PROFILE = "default"
PROFILE_FIELDS = ("url", "key", "output")
# A cached token is used only while it has more than this left: a command must not start
# with a token that expires before its last request.
TOKEN_MARGIN_S = 60.0


def now() -> float:
    """The clock tokens are judged by (tests replace it)."""
    return time.time()


def config_dir(*, create: bool = True) -> Path:
    """The configuration directory, created 0700 if absent (unless only reading)."""
    path = Path(os.environ.get("CMS_CONFIG_DIR") or platformdirs.user_config_dir("cms"))
    if create:
        make_private_dir(path)
    return path


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parent 0700 (mkdir's ``parents`` would give the
    parents the umask's mode)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)


def write_private(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically with ``mode`` (the temporary file is created
    with it, so the content is never readable by others, even for a moment)."""
    make_private_dir(path.parent)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_name(name: str, what: str) -> str:
    """A profile or key name: it names a file, so letters, digits, ``-``, ``_`` and ``.``."""
    if not name or len(name) > 64 or name.startswith(".") or not all(
            c.isascii() and (c.isalnum() or c in "-_.") for c in name):
        raise CliError(f"'{name}' is not a valid {what} name: use 1 to 64 letters, digits, "
                       "'-', '_' or '.' (not starting with '.')")
    return name


@dataclass
class Profile:
    name: str
    url: str | None = None
    key: str | None = None
    output: str | None = None

    def settings(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if k != "name" and v is not None}


@dataclass
class Profiles:
    """``config.toml``: ``current = "NAME"`` and one ``[profiles.NAME]`` table each."""

    path: Path
    current: str = DEFAULT_PROFILE
    profiles: dict[str, Profile] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None = None) -> Profiles:
        path = (directory or config_dir(create=False)) / "config.toml"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise CliError(f"{path} is not valid TOML: {error}") from None
        profiles = {}
        for name, table in (data.get("profiles") or {}).items():
            if not isinstance(table, dict):
                raise CliError(f"{path}: [profiles.{name}] is not a table")
            profiles[name] = Profile(name, **{k: str(table[k]) for k in PROFILE_FIELDS
                                              if k in table})
        return cls(path, str(data.get("current") or DEFAULT_PROFILE), profiles)

    def save(self) -> None:
        data = {"current": self.current,
                "profiles": {name: p.settings() for name, p in sorted(self.profiles.items())}}
        # Not secret, but a profile names keys and servers: kept private like the rest.
        write_private(self.path, tomli_w.dumps(data).encode("utf-8"))

    def get(self, name: str) -> Profile:
        """The named profile; an unknown one is empty (defaults apply)."""
        return self.profiles.get(name) or Profile(name)

    def resolve(self, requested: str | None) -> Profile:
        """``--profile``/``CMS_PROFILE`` when given, else the current profile."""
        return self.get(requested or self.current)


@dataclass
class CachedToken:
    token: str
    did: str
    expires_at: float  # seconds since the epoch
    url: str

    def usable(self, url: str, now: float) -> bool:
        return self.url == url and self.expires_at - now > TOKEN_MARGIN_S


def token_expiry(token: str) -> float:
    """When a token expires, from its ``exp`` claim. Read without verifying: the API verifies
    tokens; the CLI only decides when to sign in again."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        return 0.0  # unknown: used for this command only, never trusted from the cache


class TokenCache:
    """``tokens.json`` (0600): the last login's token for each profile."""

    def __init__(self, directory: Path | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.path = (directory or config_dir(create=False)) / "tokens.json"
        self.clock = clock or now

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # a damaged cache is only a cache: the next login rewrites it
        return data if isinstance(data, dict) else {}

    def get(self, profile: str) -> CachedToken | None:
        entry = self._read().get(profile)
        try:
            return CachedToken(**entry) if isinstance(entry, dict) else None
        except TypeError:
            return None

    def usable(self, profile: str, url: str) -> CachedToken | None:
        cached = self.get(profile)
        return cached if cached and cached.usable(url, self.clock()) else None

    def put(self, profile: str, cached: CachedToken) -> None:
        data = self._read()
        data[profile] = asdict(cached)
        write_private(self.path, json.dumps(data, indent=2).encode("utf-8"))

    def forget(self, profile: str) -> None:
        data = self._read()
        if data.pop(profile, None) is not None:
            write_private(self.path, json.dumps(data, indent=2).encode("utf-8"))
