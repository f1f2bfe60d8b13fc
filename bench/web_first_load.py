"""First load of the web UI's sign-in route (/sign-in) in Chromium, on the local stack.

Builds nothing of the app: it measures web/dist as `make run` / `make test` built it. Each
figure is the median of BENCH_ROUNDS cold loads (a fresh browser context: empty cache), from
the UI served by the local stack's gateway exactly as `make run` serves it:
  * initial JS (gzip): every JavaScript file the page fetched before it was interactive (the
    entry, its preloaded imports, the route's lazy chunk), each gzip-compressed (level 9) on
    its own, summed; the raw (minified) size and the render-blocking CSS (gzip) beside it;
  * requests: the document and every resource it fetched before it was interactive;
  * TTI (time to interactive), from navigation start: the later of (a) the moment the route's
    first enabled control (input, button, select, textarea or link) is in <main>, seen by a
    MutationObserver, and (b) the end of the last long task (>= 50 ms, Long Tasks API) that
    began before the main thread had been free of long tasks for QUIET_MS after (a).
    Measured twice: as this machine runs it, and with the CPU slowed 4x (Lighthouse's mobile
    factor). The network is loopback and uncompressed: the gzip figure is what a CDN sends.
Baselines, in the same run and served the same way: a bare Vite + React page (one heading and
one input; the same Vite, React and build target) built into a temporary folder, and the
app's not-found route. Ratios are against the bare page.
"""

from __future__ import annotations

import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
WEB = REPO / "web"
CHROMIUM = "/usr/bin/chromium"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
QUIET_MS = 500
SLOW_CPU = 4
CONTROL = "main :is(input, button, select, textarea, a[href]):not([disabled])"

# Installed before any of the page's scripts (through the driver, so the page's CSP does not
# apply): records long tasks and the moment the first enabled control appears in <main>.
PROBE = """
window.__firstLoad = { longTasks: [], readyAt: null };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    window.__firstLoad.longTasks.push([entry.startTime, entry.duration]);
}).observe({ type: "longtask", buffered: true });
const watcher = new MutationObserver(() => {
  if (window.__firstLoad.readyAt === null && document.querySelector(CONTROL_SELECTOR)) {
    window.__firstLoad.readyAt = performance.now();
    watcher.disconnect();
  }
});
watcher.observe(document, { childList: true, subtree: true, attributes: true });
""".replace("CONTROL_SELECTOR", json.dumps(CONTROL))

BARE_PAGE = {
    "index.html": """<!doctype html><html lang="en"><head><meta charset="UTF-8" />
<title>bare</title></head><body><div id="root"></div>
<script type="module" src="/main.jsx"></script></body></html>""",
    "main.jsx": """import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
createRoot(document.getElementById("root")).render(
  <StrictMode><main><h1>Sign in</h1><label>Key <input /></label></main></StrictMode>);""",
    "vite.config.mjs": """import react from "@vitejs/plugin-react";
export default { plugins: [react()], build: { target: "es2022" }, logLevel: "error" };""",
}


@dataclass
class Load:
    js_gzip: int
    js_raw: int
    css_gzip: int
    requests: int
    tti_ms: float
    scripts: list[Path] = field(default_factory=list, compare=False)


def build_bare_page(folder: Path) -> Path:
    """The baseline: React alone, built by the app's own Vite (its node_modules)."""
    for name, text in BARE_PAGE.items():
        (folder / name).write_text(text)
    (folder / "node_modules").symlink_to(WEB / "node_modules")
    subprocess.run(["node", str(WEB / "node_modules" / "vite" / "bin" / "vite.js"), "build"],
                   cwd=folder, check=True)
    return folder / "dist"


class NoRoutes:
    """A gateway with only the static site (the bare page's server)."""

    methods: dict = {}
    responses: dict = {}  # the gateway's default answers (a plain 403 for an API path)

    def match(self, _method: str, _path: str) -> None:
        return None


def serve(dist: Path) -> Any:
    from local_stack.gateway import Gateway
    from local_stack.stack import free_port
    from local_stack.static_site import StaticSite, security_headers

    gateway = Gateway(NoRoutes(), free_port(),  # type: ignore[arg-type]
                      site=StaticSite(dist.resolve(), {"apiUrl": ""}, security_headers()))
    gateway.start()
    return gateway


_BASE64 = {c: i for i, c in enumerate(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _vlq(segment: str) -> list[int]:
    values, value, shift = [], 0, 0
    for char in segment:
        digit = _BASE64[char]
        value += (digit & 31) << shift
        shift += 5
        if not digit & 32:
            values.append(-(value >> 1) if value & 1 else value >> 1)
            value, shift = 0, 0
    return values


def _package(source: str) -> str:
    """A source map's source as its npm package, or the app's own folder."""
    if "node_modules/" in source:
        parts = source.rsplit("node_modules/", 1)[1].split("/")
        return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]
    for root in ("sdk/typescript/src/", "src/"):
        if root in source:
            rest = source.split(root, 1)[1].split("/")
            return root + (rest[0] if len(rest) > 1 else "")
    return source


def composition(scripts: list[Path]) -> Counter[str]:
    """Minified bytes of the scripts by npm package (or app folder), from their source maps:
    each generated segment counts for the source it maps to."""
    sizes: Counter[str] = Counter()
    for script in scripts:
        map_file = script.with_name(script.name + ".map")
        if not map_file.is_file():
            sizes["(no source map)"] += script.stat().st_size
            continue
        source_map = json.loads(map_file.read_text())
        sources = [_package(name) for name in source_map["sources"]]
        lines = script.read_text().split("\n")
        source = 0
        for line, mapped in zip(lines, source_map["mappings"].split(";"), strict=False):
            column, segments = 0, []
            for segment in filter(None, mapped.split(",")):
                fields = _vlq(segment)
                column += fields[0]
                if len(fields) > 1:
                    source += fields[1]
                segments.append((column, sources[source] if len(fields) > 1 else None))
            ends = [start for start, _ in segments[1:]] + [len(line)] if segments else []
            for (start, name), end in zip(segments, ends, strict=True):
                sizes[name or "(unmapped)"] += end - start
    return sizes


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def measure(browser: Any, url: str, dist: Path, cpu_slowdown: int) -> Load:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.add_init_script(PROBE)
        page = context.new_page()
        if cpu_slowdown > 1:
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
        page.goto(url, wait_until="load")
        page.wait_for_function("() => window.__firstLoad.readyAt !== null", timeout=60_000)
        tti = wait_for_quiet(page)
        resources = page.evaluate(
            "t => performance.getEntriesByType('resource')"
            ".filter(e => e.startTime <= t).map(e => e.name)", tti)
    finally:
        context.close()
    files = [dist / urlsplit(name).path.lstrip("/") for name in resources]
    scripts = [f for f in files if f.suffix == ".js" and f.is_file()]
    styles = [f for f in files if f.suffix == ".css" and f.is_file()]
    return Load(js_gzip=sum(map(gzip_size, scripts)),
                js_raw=sum(f.stat().st_size for f in scripts),
                css_gzip=sum(map(gzip_size, styles)),
                requests=1 + len(resources), tti_ms=tti, scripts=scripts)


def wait_for_quiet(page: Any) -> float:
    """TTI as the module's docstring defines it, once the quiet window has passed."""
    while True:
        state = page.evaluate("() => ({ ...window.__firstLoad, now: performance.now() })")
        tti = state["readyAt"]
        for start, duration in sorted(state["longTasks"]):
            if start + duration <= tti:
                continue
            if start - tti >= QUIET_MS:
                break
            tti = start + duration
        if state["now"] - tti >= QUIET_MS + 100:
            return tti
        time.sleep(0.1)


def median_load(browser: Any, url: str, dist: Path, cpu_slowdown: int) -> Load:
    measure(browser, url, dist, cpu_slowdown)  # warm: the server's first answers, the OS cache
    loads = [measure(browser, url, dist, cpu_slowdown) for _ in range(ROUNDS)]
    figures = ("js_gzip", "js_raw", "css_gzip", "requests", "tti_ms")
    return Load(*(statistics.median(getattr(load, name) for load in loads) for name in figures),
                scripts=loads[-1].scripts)


def report(label: str, load: Load, baseline: Load) -> None:
    print(f"{label:<38} {load.js_gzip / 1024:8.1f} {load.js_raw / 1024:8.1f} "
          f"{load.css_gzip / 1024:7.1f} {load.requests:5.0f} {load.tti_ms:8.0f}   "
          f"JS x{load.js_gzip / baseline.js_gzip:4.1f}  TTI x{load.tti_ms / baseline.tti_ms:4.1f}")


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    from playwright.sync_api import sync_playwright

    from local_stack.stack import LocalStack, free_port

    app_dist = WEB / "dist"
    if not (app_dist / "index.html").is_file():
        sys.exit("web/dist is not built: make run or make test build it (cd web && npx vite build)")
    with tempfile.TemporaryDirectory() as temp:
        bare_dist = build_bare_page(Path(temp))
        stack = LocalStack(api_port=free_port(), log=lambda *_: None).start()
        bare = serve(bare_dist)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=["--no-sandbox"])
                print(f"First load, median of {ROUNDS} cold loads; JS and CSS in KiB "
                      f"(gzip -9 per file), TTI in ms from navigation start")
                print(f"{'page':<38} {'JS gzip':>8} {'JS raw':>8} {'CSS gz':>7} {'reqs':>5} "
                      f"{'TTI':>8}   ratio to the bare React page")
                loads: dict[tuple[str, int], Load] = {}
                for slowdown in (1, SLOW_CPU):
                    suffix = "" if slowdown == 1 else f", CPU /{slowdown}"
                    base = median_load(browser, f"http://localhost:{bare.port}/",
                                       bare_dist, slowdown)
                    report(f"bare Vite + React page{suffix}", base, base)
                    for label, path in (("app: not-found route", "/no/such/page"),
                                        ("app: sign-in route (/sign-in)", "/sign-in")):
                        loads[path, slowdown] = median_load(browser, stack.url + path,
                                                            app_dist, slowdown)
                        report(label + suffix, loads[path, slowdown], base)
                browser.close()
            print("\nThe sign-in route's initial JavaScript by package (minified KiB, from the "
                  "source maps):")
            for name, size in composition(loads["/sign-in", 1].scripts).most_common(12):
                print(f"  {size / 1024:8.1f}  {name}")
        finally:
            bare.stop()
            stack.stop()


if __name__ == "__main__":
    main()
