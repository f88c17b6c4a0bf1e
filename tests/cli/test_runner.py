"""`make demo` runs `outsignal demo`: this starts it for real on free ports with a fresh store and
checks what a user gets: the Dagster UI, the Streamlit app, the daemon's partitions sensor turning
lists into partitions, and every child process gone after one SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from outsignal_pipelines.cli.runner import ServeConfig, child_env, prepare_dagster_home
from outsignal_pipelines.orchestration import DAGSTER_YAML


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, deadline: float, proc: subprocess.Popen) -> bool:
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"outsignal demo exited early with {proc.returncode}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return False


def test_dagster_home_gets_a_config_once(tmp_path):
    home = prepare_dagster_home(tmp_path / "dh")
    assert (home / "dagster.yaml").read_text() == DAGSTER_YAML
    (home / "dagster.yaml").write_text("# mine\n")
    prepare_dagster_home(tmp_path / "dh")
    assert (home / "dagster.yaml").read_text() == "# mine\n"  # an operator's edits are kept


def test_children_get_the_sandbox_without_losing_the_operators_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_DAGSTER_PORT", "3999")
    monkeypatch.setenv("OUTSIGNAL_PROSPEO_RPS", "2")
    config = ServeConfig.from_env()
    config.dagster_home = tmp_path / "dh"
    assert config.dagster_port == 3999
    env = child_env(config, with_sandbox=True)
    assert env["OUTSIGNAL_SANDBOX_URL"] == config.sandbox_url and env["OUTSIGNAL_DEMO"] == "1"
    assert env["OUTSIGNAL_PROSPEO_RPS"] == "2" and env["OUTSIGNAL_AIARK_RPS"] == "50"
    assert env["DAGSTER_HOME"] == str((tmp_path / "dh").resolve()) and env["OUTSIGNAL_DB"].endswith("outsignal.duckdb")
    assert "OUTSIGNAL_SANDBOX_URL" not in child_env(config, with_sandbox=False)


@pytest.mark.slow
def test_demo_serves_both_apps_and_stops_cleanly(tmp_path):
    dagster_port, streamlit_port, sandbox_port = _free_port(), _free_port(), _free_port()
    env = dict(os.environ)
    env.update(OUTSIGNAL_DB=str(tmp_path / "demo.duckdb"), DAGSTER_HOME=str(tmp_path / "dagster_home"),
               OUTSIGNAL_DAGSTER_PORT=str(dagster_port), OUTSIGNAL_STREAMLIT_PORT=str(streamlit_port),
               OUTSIGNAL_SANDBOX_PORT=str(sandbox_port), OUTSIGNAL_DEMO_ENV_FILE=str(tmp_path / "demo.env"),
               # Every port its own, so another test's servers (tests run in parallel) never collide.
               OUTSIGNAL_SANDBOX_SMTP_PORT=str(_free_port()), OUTSIGNAL_WEBHOOK_PORT=str(_free_port()))
    log = (tmp_path / "demo.log").open("w")
    cli = Path(sys.executable).parent / "outsignal"
    proc = subprocess.Popen([str(cli), "demo"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        assert _wait(f"http://127.0.0.1:{streamlit_port}/_stcore/health", deadline, proc)
        assert _wait(f"http://127.0.0.1:{dagster_port}/server_info", deadline, proc)
        assert _wait(f"http://127.0.0.1:{sandbox_port}/_sandbox/usage", deadline, proc)
        # The runner prints the URLs once both answer; the test may see them answer a moment earlier.
        while "Outsignal Lead Engine is running" not in (tmp_path / "demo.log").read_text():
            assert time.monotonic() < deadline and proc.poll() is None, (tmp_path / "demo.log").read_text()
            time.sleep(0.5)
        assert f"source {tmp_path / 'demo.env'}" in (tmp_path / "demo.log").read_text()
        assert f"OUTSIGNAL_SANDBOX_URL=http://127.0.0.1:{sandbox_port}" in (tmp_path / "demo.env").read_text()

        # The code location loaded without error in the webserver.
        query = "{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError { __typename } } } } }"
        answer = httpx.post(f"http://127.0.0.1:{dagster_port}/graphql", json={"query": query}, timeout=30).json()
        entries = answer["data"]["workspaceOrError"]["locationEntries"]
        assert [(e["name"], e["locationOrLoadError"]["__typename"]) for e in entries] == [("outsignal", "RepositoryLocation")]

        # The daemon evaluates the partitions sensor: the seeded lists become partitions.
        import dagster as dg

        old_home = os.environ.get("DAGSTER_HOME")
        os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
        try:
            keys: list[str] = []
            with dg.DagsterInstance.get() as instance:
                while time.monotonic() < deadline + 60 and len(keys) < 3:
                    keys = instance.get_dynamic_partitions("target_lists")
                    time.sleep(2)
        finally:
            if old_home is None:
                os.environ.pop("DAGSTER_HOME", None)
            else:
                os.environ["DAGSTER_HOME"] = old_home
        assert "rise.rise-q1" in keys and len(keys) == 3
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        finally:
            log.close()
    assert proc.returncode == 0, (tmp_path / "demo.log").read_text()[-3000:]
    assert not (tmp_path / "demo.env").exists()  # it pointed at processes that are gone
    for port in (dagster_port, streamlit_port, sandbox_port):
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_the_demo_env_file_can_be_sourced_by_a_second_terminal(tmp_path, monkeypatch):
    """Next to `make demo`, a second terminal had no way to reach the demo's store and sandbox."""
    from outsignal_pipelines.cli.runner import remove_env_file, write_env_file

    monkeypatch.setenv("OUTSIGNAL_DEMO_ENV_FILE", str(tmp_path / "demo.env"))
    config = ServeConfig.from_env()
    config.dagster_home = tmp_path / "a dagster home"
    env = child_env(config, with_sandbox=True)
    path = write_env_file(env)
    shell = subprocess.run(["bash", "-c", f'source "{path}" && echo "$OUTSIGNAL_DB|$DAGSTER_HOME|$OUTSIGNAL_SANDBOX_URL"'],
                           capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True)
    assert shell.stdout.strip() == f"{env['OUTSIGNAL_DB']}|{env['DAGSTER_HOME']}|{config.sandbox_url}"
    remove_env_file(path, env)
    assert not path.exists()
