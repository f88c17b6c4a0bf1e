"""Runs the product: the Dagster webserver + daemon and the Streamlit app as child processes, each in
its own process group so one Ctrl-C (or SIGTERM) stops all of them cleanly.

`dagster dev` ignores SIGINT when started as a background job without job control, so children are
started with start_new_session=True and stopped by signalling their whole group.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from outsignal_pipelines import orchestration, settings
from outsignal_pipelines.operations.setup import store_identity, vendor_rate_overrides

@dataclass
class ServeConfig:
    host: str = "127.0.0.1"
    dagster_port: int = 3000
    streamlit_port: int = 8501
    sandbox_port: int = 8765
    smtp_port: int = 8025
    webhook_port: int = 8766
    dagster_home: Path = field(default_factory=lambda: Path(".dagster_home"))
    ready_timeout: float = 180.0
    production: bool = False
    code_server_port: int = 4266

    @classmethod
    def from_env(cls) -> ServeConfig:
        return cls(
            host=settings.bind_host(),
            dagster_port=settings.dagster_port(),
            streamlit_port=settings.streamlit_port(),
            sandbox_port=settings.sandbox_port(),
            smtp_port=settings.sandbox_smtp_port_for_serving(),
            webhook_port=settings.webhook_port(),
            dagster_home=settings.dagster_home_for_serving(),
            production=settings.production(),
            code_server_port=settings.code_server_port(),
        )

    @property
    def dagster_url(self) -> str:
        return f"http://{self.host}:{self.dagster_port}"

    @property
    def streamlit_url(self) -> str:
        return f"http://{self.host}:{self.streamlit_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://{self.host}:{self.sandbox_port}"

    @property
    def webhook_url(self) -> str:
        return f"http://{self.host}:{self.webhook_port}"


def prepare_dagster_home(path: Path, production: bool | None = None) -> Path:
    return orchestration.prepare_home(path, production)


SANDBOX_RPS = "50"  # the sandbox has no vendor limits unless configured; keep demo runs quick
STREAMLIT_SEARCH_LAG_SECONDS = "3"  # searches read a copy of the store at most ~3 s behind it
STREAMLIT_DB_LINGER_SECONDS = "30"  # the app server keeps DuckDB warm; any process that asks gets the file at once


def child_env(config: ServeConfig, with_sandbox: bool = False) -> dict[str, str]:
    """The environment every child gets: ours, pointed at this store, Dagster home and (optionally) the
    sandbox; an operator's own settings win wherever only a default is meant."""
    overrides = {"OUTSIGNAL_PORTAL_URL": config.streamlit_url,
                 "DAGSTER_HOME": str(prepare_dagster_home(config.dagster_home, config.production)),
                 "OUTSIGNAL_DB": store_identity(),
                 "PYTHONUNBUFFERED": "1"}
    if config.production:
        overrides["OUTSIGNAL_PROFILE"] = "production"
    defaults = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    if with_sandbox:
        overrides["OUTSIGNAL_SANDBOX_URL"] = config.sandbox_url
        overrides["OUTSIGNAL_SANDBOX_SMTP_PORT"] = str(config.smtp_port)
        defaults["OUTSIGNAL_DEMO"] = "1"  # demo admin password "demo" unless OUTSIGNAL_ADMIN_PASSWORD is set
        defaults.update(vendor_rate_overrides(SANDBOX_RPS))
        # The sandbox EmailBison reaches this machine's webhook endpoint; a real EmailBison needs the public
        # URL the operator sets (OUTSIGNAL_WEBHOOK_URL), else deploys register nothing.
        defaults["OUTSIGNAL_WEBHOOK_URL"] = config.webhook_url
    return settings.child_environment(overrides, defaults)


# What a second terminal needs to reach the running demo: its store, Dagster instance and sandbox.
SHARED_ENV = ("OUTSIGNAL_DB", "DAGSTER_HOME", "OUTSIGNAL_PORTAL_URL", "OUTSIGNAL_SANDBOX_URL",
              "OUTSIGNAL_SANDBOX_SMTP_PORT", "OUTSIGNAL_DEMO", "LITELLM_LOCAL_MODEL_COST_MAP", "OUTSIGNAL_WEBHOOK_URL")


def env_file_text(env: dict[str, str]) -> str:
    """`export NAME=value` lines (shell-quoted) for the variables a second terminal needs."""
    lines = ["# Written by `outsignal demo`: `source` this file in another terminal to use the running demo."]
    lines += [f"export {name}={shlex.quote(env[name])}" for name in SHARED_ENV if env.get(name)]
    return "\n".join(lines) + "\n"


def write_env_file(env: dict[str, str]) -> Path:
    path = settings.demo_env_file()
    path.write_text(env_file_text(env), encoding="utf-8")
    return path


def remove_env_file(path: Path, env: dict[str, str]) -> None:
    """Remove the file when it is still ours (another demo may have written its own since)."""
    try:
        if path.read_text(encoding="utf-8") == env_file_text(env):
            path.unlink()
    except OSError:
        pass


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def dagster_command(config: ServeConfig) -> list[str]:
    return [_bin("dagster"), "dev", "-w", str(settings.project_root() / "workspace.yaml"),
            "-h", config.host, "-p", str(config.dagster_port)]


def webhook_command(config: ServeConfig) -> list[str]:
    return [_bin("outsignal"), "webhooks", "serve", "--host", config.host, "--port", str(config.webhook_port)]


def workspace_file(config: ServeConfig, home: Path) -> Path:
    """The production workspace: one code server that the webserver, the daemon and every run share."""
    path = home / "workspace.yaml"
    path.write_text("# Written by `outsignal serve --production`: the code server it starts.\n"
                    "load_from:\n  - grpc_server:\n      host: 127.0.0.1\n"
                    f"      port: {config.code_server_port}\n      location_name: outsignal\n", encoding="utf-8")
    return path


def production_commands(config: ServeConfig, workspace: Path) -> dict[str, list[str]]:
    """Dagster as separate services (production profile): a gRPC code server, the webserver and the
    daemon. Steps run on Celery workers started with `outsignal worker`, here or on other machines."""
    return {
        "code-server": [_bin("dagster"), "code-server", "start", "-m", "outsignal_pipelines.definitions",
                        "-h", "127.0.0.1", "-p", str(config.code_server_port), "--location-name", "outsignal"],
        "webserver": [_bin("dagster-webserver"), "-w", str(workspace), "-h", config.host,
                      "-p", str(config.dagster_port)],
        "daemon": [_bin("dagster-daemon"), "run", "-w", str(workspace)],
    }


def sandbox_command(config: ServeConfig) -> list[str]:
    return [_bin("outsignal"), "sandbox", "--host", config.host, "--port", str(config.sandbox_port),
            "--smtp-port", str(config.smtp_port)]


# What a client sees is a product, not a developer tool: no Deploy/Rerun/Clear-cache toolbar, and no
# exception details in the browser (pages show a reference instead; see streamlit_portal/services/errors.py).
# No full garbage collection after every run of a page: with DuckDB, Polars, Dagster and litellm loaded,
# Streamlit's `gc.collect(2)` costs ~250 ms of every click on this machine (benchmarks/pages.py), and
# Python's own collector still runs.
# The same settings are in .streamlit/config.toml for `streamlit run` started by hand from the repository.
STREAMLIT_PRODUCT_FLAGS = ("--client.toolbarMode", "minimal", "--client.showErrorDetails", "none",
                           "--runner.postScriptGC", "false")


def streamlit_command(config: ServeConfig) -> list[str]:
    return [_bin("streamlit"), "run", str(settings.project_root() / "streamlit_portal" / "streamlit_app.py"),
            "--server.headless", "true", "--server.port", str(config.streamlit_port),
            "--server.address", config.host, "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", *STREAMLIT_PRODUCT_FLAGS]


def wait_until_ready(url: str, deadline: float, alive: Callable[[], bool]) -> bool:
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def wait_for_port(host: str, port: int, deadline: float, alive: Callable[[], bool]) -> bool:
    """Until something listens on host:port (the webserver and daemon need the code server first)."""
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def stop(processes: dict[str, subprocess.Popen], grace: float = 20.0) -> None:
    for proc in processes.values():
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace
    for proc in processes.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def serve(config: ServeConfig, say: Callable[[str], None] = print, with_sandbox: bool = True) -> int:
    """Start everything, print the URLs, and block until Ctrl-C / SIGTERM or a child dies. With the
    sandbox on, every provider client in every child talks to it (no key, no spend)."""
    env = child_env(config, with_sandbox)
    processes: dict[str, subprocess.Popen] = {}
    stopping = False
    env_file: Path | None = None

    def on_signal(signum, _frame):  # noqa: ANN001
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        cwd = settings.project_root()
        if with_sandbox:
            processes["sandbox"] = subprocess.Popen(sandbox_command(config), env=env, cwd=cwd, start_new_session=True)
        if config.production:
            missing = settings.missing_production_settings()
            if missing:
                say(f"error: the production profile needs {', '.join(missing)} (see docs/deploy.md)")
                return 1
            orchestration.apply_pool_limits_at(Path(env["DAGSTER_HOME"]))
            commands = production_commands(config, workspace_file(config, Path(env["DAGSTER_HOME"])))
            for name, command in commands.items():
                processes[name] = subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True)
                if name == "code-server" and not wait_for_port(
                        "127.0.0.1", config.code_server_port, time.monotonic() + config.ready_timeout,
                        lambda: processes["code-server"].poll() is None and not stopping):
                    if stopping:
                        return 0
                    say(f"error: the code server did not listen on port {config.code_server_port}")
                    return 1
        else:
            processes["dagster"] = subprocess.Popen(dagster_command(config), env=env, cwd=cwd,
                                                    start_new_session=True)
        processes["webhooks"] = subprocess.Popen(webhook_command(config), env=env, cwd=cwd, start_new_session=True)
        streamlit_env = dict(env)
        streamlit_env.setdefault("OUTSIGNAL_DB_LINGER_SECONDS", STREAMLIT_DB_LINGER_SECONDS)
        streamlit_env.setdefault("OUTSIGNAL_SEARCH_LAG_SECONDS", STREAMLIT_SEARCH_LAG_SECONDS)
        processes["streamlit"] = subprocess.Popen(streamlit_command(config), env=streamlit_env, cwd=cwd,
                                                  start_new_session=True)
        deadline = time.monotonic() + config.ready_timeout
        checks = {"webserver" if config.production else "dagster": f"{config.dagster_url}/server_info",
                  "streamlit": f"{config.streamlit_url}/_stcore/health",
                  "webhooks": f"{config.webhook_url}/health"}
        if with_sandbox:
            checks["sandbox"] = f"{config.sandbox_url}/_sandbox/health"
        for name, url in checks.items():
            if not wait_until_ready(url, deadline, lambda n=name: processes[n].poll() is None and not stopping):
                if stopping:
                    return 0
                say(f"error: {name} did not become ready at {url}")
                return 1
        env_file = write_env_file(env)
        say("")
        say("Outsignal Lead Engine is running:")
        say(f"  Admin app + client portal (Streamlit): {config.streamlit_url}")
        say(f"  Pipelines (Dagster UI):                {config.dagster_url}")
        say(f"  Lead store:                            {env['OUTSIGNAL_DB']}")
        say(f"  EmailBison webhooks:                   {config.webhook_url}/emailbison/webhook/<secret> "
            "(outsignal webhooks url --workspace <slug>)")
        if with_sandbox:
            say(f"  Sandbox vendor APIs (no real spend):   {config.sandbox_url}/_sandbox/usage")
        say("In another terminal, to use this demo's store and sandbox from the command line:")
        say(f"  source {shlex.quote(str(env_file))}")
        say("Press Ctrl-C to stop.")
        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    say(f"error: {name} exited with code {proc.returncode}; stopping the rest")
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        say("stopping...")
        stop(processes)
        if env_file is not None:
            remove_env_file(env_file, env)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
