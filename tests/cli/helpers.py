"""One CliRunner and the --json contract check every CLI test shares."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from outsignal_pipelines.cli import app

runner = CliRunner()

__all__ = ["app", "one_json", "runner"]


def one_json(result) -> dict:
    """--json prints exactly one JSON object on stdout; anything else fails the test."""
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])
