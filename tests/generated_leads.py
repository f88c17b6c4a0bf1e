"""The import benchmark's generated lead export (messy names, emails, phones, URLs and duplicates), for
tests that want a realistic file of a given size: one generator for the benchmark and the tests."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def generated_leads(path: Path, rows: int, seed: int) -> Path:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from import_memory import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    generate(path, rows, seed=seed)
    return path
