"""`make bench`: every benchmark in turn, each printing its own table (record them in RESULTS.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("seed", "scoring", "search", "waterfall", "deploy", "notifications", "chat_latency", "store_load",
         "production_profile")

if __name__ == "__main__":
    failed = []
    for name in ORDER:
        print(f"\n=== benchmarks/{name}.py", flush=True)
        if subprocess.run([sys.executable, str(HERE / f"{name}.py"), *sys.argv[1:]]).returncode != 0:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
