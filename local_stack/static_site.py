"""The web UI's static files on the gateway's origin, as CloudFront serves them in the cloud:
hashed assets cached for a year, every other path the single-page app's index.html, the
runtime configuration at /config.json, and the same security headers as the CmsWeb stack."""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
# Paths the API owns: an unknown one stays the API's 404/403, never the app's page.
API_PREFIXES = ("/api/", "/health", "/.well-known/")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def security_headers(web_root: Path = WEB_ROOT) -> dict[str, str]:
    document = json.loads((web_root / "security-headers.json").read_text())
    return {name: value for name, value in document.items() if not name.startswith("_")}


@dataclass(frozen=True)
class StaticSite:
    root: Path
    runtime_config: dict[str, object]
    headers: dict[str, str]

    @classmethod
    def built(cls, runtime_config: dict[str, object], web_root: Path = WEB_ROOT
              ) -> StaticSite | None:
        """The built UI (web/dist), or None when it has not been built."""
        dist = web_root / "dist"
        if not (dist / "index.html").is_file():
            return None
        return cls(dist.resolve(), runtime_config, security_headers(web_root))

    def serves(self, method: str, path: str) -> bool:
        return method in ("GET", "HEAD") and not path.startswith(API_PREFIXES)

    def answer(self, raw_path: str) -> tuple[int, dict[str, str], bytes]:
        path = unquote(raw_path)
        if path == "/config.json":
            body = json.dumps(self.runtime_config).encode()
            return self._file_answer(body, "application/json", REVALIDATE)
        file = self._file(path)
        if file is None:
            return self._file_answer((self.root / "index.html").read_bytes(),
                                     "text/html; charset=utf-8", REVALIDATE)
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript",
                                                                "image/svg+xml"):
            content_type += "; charset=utf-8"
        cache = IMMUTABLE if file.parent.name == "assets" else REVALIDATE
        return self._file_answer(file.read_bytes(), content_type, cache)

    def _file(self, path: str) -> Path | None:
        """The file a path names inside the build, never outside it (no .., no symlink out)."""
        if "\x00" in path or path.endswith("/"):
            return None
        candidate = (self.root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _file_answer(self, body: bytes, content_type: str, cache: str
                     ) -> tuple[int, dict[str, str], bytes]:
        # The gateway leaves out a HEAD answer's body but keeps its Content-Length.
        headers = {**self.headers, "Content-Type": content_type, "Cache-Control": cache}
        return 200, headers, body
