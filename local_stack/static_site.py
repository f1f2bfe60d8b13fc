"""The web UI's static files on the gateway's origin, as CloudFront serves them in the cloud:
hashed assets cached for a year, every other app path the single-page app's index.html, the
runtime configuration at /config.json, and the same security headers as the CmsWeb stack.

What it refuses, and why:
- a missing file that names a file (under /assets/, or any last segment with an extension) is a
  404, never index.html: a browser that asks for a JavaScript chunk from an older build must
  get an error it can recover from (a reload), not HTML parsed as JavaScript;
- methods other than GET and HEAD (405): the site is read-only;
- paths that could reach outside the build: ".." segments (also percent-encoded), backslashes,
  NUL and other control characters, and symlinks that resolve outside it (404, as for any file
  that is not there, so a probe learns nothing); a folder is never listed.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
# Paths the API owns: an unknown one stays the API's 404/403, never the app's page.
API_PREFIXES = ("/api/", "/health", "/.well-known/")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
READ_METHODS = ("GET", "HEAD")
# /config.json is public: only these keys may be in it (nothing secret fits in either).
RUNTIME_CONFIG_KEYS = frozenset({"apiUrl", "chainRpcUrl"})
# Control characters (NUL included) and backslashes never name a file of the build.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")

Answer = tuple[int, dict[str, str], bytes]


def security_headers(web_root: Path = WEB_ROOT) -> dict[str, str]:
    document = json.loads((web_root / "security-headers.json").read_text())
    return {name: value for name, value in document.items() if not name.startswith("_")}


@dataclass(frozen=True)
class StaticSite:
    root: Path
    runtime_config: dict[str, object]
    headers: dict[str, str]

    def __post_init__(self) -> None:
        unexpected = set(self.runtime_config) - RUNTIME_CONFIG_KEYS
        if unexpected:
            raise ValueError(f"/config.json is public; not a runtime setting: {unexpected}")

    @classmethod
    def built(cls, runtime_config: dict[str, object], web_root: Path = WEB_ROOT
              ) -> StaticSite | None:
        """The built UI (web/dist), or None when it has not been built."""
        dist = web_root / "dist"
        if not (dist / "index.html").is_file():
            return None
        return cls(dist.resolve(), runtime_config, security_headers(web_root))

    def serves(self, path: str) -> bool:
        """Whether a path the API does not route is the site's (every method: the site
        answers 405 to those it does not allow)."""
        return not path.startswith(API_PREFIXES)

    def answer(self, method: str, raw_path: str, request_headers: dict[str, str] | None = None
               ) -> Answer:
        if method not in READ_METHODS:
            return self._plain(405, "Method Not Allowed", {"Allow": ", ".join(READ_METHODS)})
        path = unquote(raw_path)
        if path == "/config.json":
            body = json.dumps(self.runtime_config).encode()
            return self._file_answer(body, "application/json", REVALIDATE, request_headers)
        if not _safe(path):
            return self._plain(404, "Not Found")
        file = self._file(path)
        if file is not None:
            return self._file_answer(file.read_bytes(), _content_type(file),
                                     IMMUTABLE if _is_asset(path) else REVALIDATE,
                                     request_headers)
        if _names_a_file(path):
            return self._plain(404, "Not Found")
        return self._file_answer((self.root / "index.html").read_bytes(),
                                 "text/html; charset=utf-8", REVALIDATE, request_headers)

    def _file(self, path: str) -> Path | None:
        """The file a path names inside the build, never outside it (no symlink out); a
        folder stands for its index.html (a page of its own, such as /api-docs), never for a
        listing."""
        candidate = (self.root / path.lstrip("/")).resolve()
        if candidate.is_dir():
            candidate = (candidate / "index.html").resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _file_answer(self, body: bytes, content_type: str, cache: str,
                     request_headers: dict[str, str] | None) -> Answer:
        tag = entity_tag(body)
        headers = {**self.headers, "Content-Type": content_type, "Cache-Control": cache,
                   "ETag": tag}
        if _matches(_header(request_headers or {}, "If-None-Match"), tag):
            return 304, headers, b""
        # The gateway leaves out a HEAD answer's body but keeps its Content-Length.
        return 200, headers, body

    def _plain(self, status: int, text: str, extra: dict[str, str] | None = None) -> Answer:
        return status, {**self.headers, "Content-Type": "text/plain; charset=utf-8",
                        "Cache-Control": REVALIDATE, **(extra or {})}, text.encode()


def _safe(path: str) -> bool:
    return (path.startswith("/") and not _UNSAFE.search(path)
            and ".." not in PurePosixPath(path).parts)


def _is_asset(path: str) -> bool:
    return path.startswith("/assets/")


def _names_a_file(path: str) -> bool:
    """A path the app's router can never own: /assets or anything under it (the build's
    chunks, whatever their names), or a last segment with an extension (app routes are
    /contracts/<id>, never /x.js). A segment with a colon is a DID (did:web:example.com), whose
    dots are no extension. CloudFront's function (cdk/cloudfront/spa_rewrite.js) applies the
    same rule; both are tested on the cases of tests/vectors/spa_paths.json."""
    last = path.rsplit("/", 1)[-1]
    return (_is_asset(path) or path == "/assets"
            or (_EXTENSION.search(last) is not None and ":" not in last))


def _content_type(file: Path) -> str:
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript",
                                                            "image/svg+xml"):
        content_type += "; charset=utf-8"
    return content_type


def entity_tag(body: bytes) -> str:
    """A strong validator from the content itself: the same file has the same tag across
    restarts, as S3's ETag. Hashing is cheap next to sending (well under a millisecond for
    the largest chunk), so nothing is cached."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str | None, tag: str) -> bool:
    if if_none_match is None:
        return False
    candidates = [part.strip() for part in if_none_match.split(",")]
    # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
    return "*" in candidates or tag in [c.removeprefix("W/") for c in candidates]


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)
