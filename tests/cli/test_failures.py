"""Every failure of `outsignal`, foreseen or not, usage errors included: with --json exactly one JSON
object with "error" on stdout and a non-zero exit; never a traceback on either stream."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import app, one_json, runner


def _no_traceback(result) -> None:
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream and 'File "' not in stream, stream


@pytest.mark.parametrize("args, says", [
    (["search", "--min-icp", "1e309", "-w", "rise"], "Invalid value for '--min-icp'"),   # a number too big for int
    (["search", "--min-icp", "high"], "Invalid value for '--min-icp'"),                  # a badly typed option
    (["export", "--workspace", "rise"], "Missing option '--list'"),                      # a missing option
    (["search", "--no-such-option"], "No such option"),
    (["no-such-command"], "No such command"),
])
def test_usage_errors_with_json_print_one_json_error(store, args, says):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code != 0
    assert says in one_json(result)["error"]
    _no_traceback(result)


def test_usage_errors_without_json_keep_the_usage_message(store):
    result = runner.invoke(app, ["search", "--min-icp", "1e309"])
    assert result.exit_code == 2 and "Invalid value for '--min-icp'" in result.stderr
    assert not result.stdout.strip()


def test_an_unexpected_error_is_one_json_error_with_a_reference_and_a_logged_traceback(store, monkeypatch):
    import outsignal_pipelines.operations.search as search_ops

    def broken(*args, **kwargs):
        raise KeyError("a bug we did not foresee")

    monkeypatch.setattr(search_ops, "search_people", broken)
    result = runner.invoke(app, ["search", "cto", "--json"])
    assert result.exit_code == 1
    error = one_json(result)["error"]
    assert "unexpected error KeyError" in error and "reference " in error
    _no_traceback(result)
    reference = error.split("reference ")[1].split()[0]
    from outsignal_pipelines import settings

    log = (settings.data_dir() / "logs" / "cli-errors.log").read_text(encoding="utf-8")
    assert reference in log and "Traceback" in log and "a bug we did not foresee" in log
    human = runner.invoke(app, ["search", "cto"])
    assert human.exit_code == 1 and "unexpected error KeyError" in human.stderr
    _no_traceback(human)


@pytest.mark.slow
@pytest.mark.parametrize("out", ["/dev/full", "/proc/no-such-dir/leads.csv"])
def test_export_to_a_full_or_unwritable_path_is_a_clear_error(seeded_store, out):
    from outsignal_pipelines.store import connect

    with connect() as con:  # verified already, so the export gate lets the list through to the write
        con.execute("UPDATE people SET email_status = 'valid', verified_at = now() WHERE email IS NOT NULL")
    result = runner.invoke(app, ["export", "--list", "Rise Q1", "-w", "rise", "--out", out, "--json"])
    assert result.exit_code == 1
    error = one_json(result)["error"]
    assert f"could not write the export to {out}" in error
    _no_traceback(result)
    human = runner.invoke(app, ["export", "--list", "Rise Q1", "-w", "rise", "--out", out])
    assert human.exit_code == 1 and "could not write the export" in human.stderr
    _no_traceback(human)


@pytest.mark.slow
def test_the_installed_command_prints_json_for_a_usage_error(tmp_path):
    """The console script itself (not only the test runner): stdout holds the one JSON object."""
    exe = Path(sys.executable).parent / "outsignal"
    done = subprocess.run([str(exe), "search", "--min-icp", "1e309", "--json"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}, timeout=120)
    assert done.returncode == 2, done
    assert "Invalid value for '--min-icp'" in one_json(done)["error"]
    assert "Traceback" not in done.stderr and "Usage:" not in done.stderr
