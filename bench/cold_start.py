"""Cold import time of each Lambda handler module: a proxy for Lambda cold start.

Baseline, measured in the same run: a bare interpreter start (`python -c pass`). Each figure is
the median of several fresh processes; the ratio says how many bare starts a cold import costs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def median_seconds(code: str) -> float:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "1"}
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    from functions.registry import FUNCTIONS

    bare = median_seconds("pass")
    print(f"cold start proxy: median of {RUNS} fresh processes each")
    print(f"{'module':<28} {'ms':>8} {'x bare start':>13}")
    print(f"{'(bare interpreter)':<28} {bare * 1000:8.1f} {1.0:13.2f}")
    for spec in FUNCTIONS:
        seconds = median_seconds(f"import {spec.module}")
        print(f"{spec.module:<28} {seconds * 1000:8.1f} {seconds / bare:13.2f}")


if __name__ == "__main__":
    main()
