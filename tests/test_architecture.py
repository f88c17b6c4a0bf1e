"""The layering rules hold: import-linter's contracts in pyproject.toml are kept, nothing but
settings.py reads the environment, and docs/architecture.md names only files that exist."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = [REPO / "outsignal_pipelines", REPO / "streamlit_portal"]


def test_every_import_linter_contract_is_kept():
    done = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    kept = re.search(r"Contracts: (\d+) kept, (\d+) broken", done.stdout)
    assert kept and int(kept.group(1)) >= 9 and kept.group(2) == "0"


def _environment_reads(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv", "environb"):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "getenv") for a in node.names):
            lines.append(node.lineno)
    return lines


def test_only_settings_reads_the_environment():
    offenders = {}
    for package in PACKAGES:
        for path in package.rglob("*.py"):
            if path == REPO / "outsignal_pipelines" / "settings.py":
                continue
            if lines := _environment_reads(path):
                offenders[str(path.relative_to(REPO))] = lines
    assert offenders == {}


def test_the_environment_check_would_catch_a_read(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nfrom os import getenv\nURL = os.environ.get('X')\n")
    assert _environment_reads(probe) == [2, 3]


def test_the_architecture_doc_names_only_files_that_exist():
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    paths = {p.rstrip("/") for p in re.findall(r"`((?:outsignal_pipelines|streamlit_portal|tests|dbt_like_sql|"
                                               r"benchmarks|docs)/[\w./-]*)`", doc)}
    assert len(paths) > 20
    assert sorted(p for p in paths if "<" not in p and not (REPO / p).exists()) == []
