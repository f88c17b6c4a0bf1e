"""The production profile on one machine, for real: Postgres and Redis (local_servers), the gRPC code
server, the Dagster daemon and webserver (the commands `outsignal serve --production` runs) and Celery
workers (`outsignal worker`), each a process of its own with its output in a log file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from outsignal_pipelines import orchestration
from outsignal_pipelines.cli.runner import ServeConfig, production_commands, wait_for_port, workspace_file
from tests.orchestration.local_servers import free_port, postgres, redis

OUTSIGNAL = str(Path(sys.executable).parent / "outsignal")


@dataclass
class Stack:
    env: dict[str, str]
    home: Path
    logs: Path
    dagster_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(command, env=self.env, cwd=str(Path(__file__).resolve().parents[2]),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def start_worker(self, name: str, wait: bool = True) -> subprocess.Popen:
        proc = self.start(name, [OUTSIGNAL, "worker", "--name", name])
        if wait:
            self.wait_for_worker(name)
        return proc

    def wait_for_worker(self, name: str, timeout: float = 180) -> None:
        proc, deadline = self.processes[name], time.monotonic() + timeout
        while " ready." not in self.log(name):
            assert proc.poll() is None, f"worker {name} exited:\n{self.log(name)[-3000:]}"
            assert time.monotonic() < deadline, f"worker {name} not ready:\n{self.log(name)[-3000:]}"
            time.sleep(0.3)

    def kill9(self, name: str) -> None:
        os.kill(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait()

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_http(url: str, proc: subprocess.Popen, stack: Stack, name: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{name} exited:\n{stack.log(name)[-3000:]}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{name} not ready at {url}:\n{stack.log(name)[-3000:]}")


@contextmanager
def production_stack(tmp: Path, extra_env: dict[str, str], workers: int = 2,
                     webserver: bool = True) -> Iterator[Stack]:
    """Everything the production profile runs, started from `os.environ` plus `extra_env` (which the
    caller also sets in its own environment, so it submits to the same instance)."""
    saved = dict(os.environ)
    started = time.monotonic()
    with ExitStack() as stack_of_servers:
        stack_of_servers.callback(lambda: (os.environ.clear(), os.environ.update(saved)))
        pg = stack_of_servers.enter_context(postgres())
        redis_url = stack_of_servers.enter_context(redis())
        env = {**os.environ, **extra_env, **pg.env(), "OUTSIGNAL_PROFILE": "production",
               "OUTSIGNAL_REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"}
        os.environ.update({k: env[k] for k in ("OUTSIGNAL_PROFILE", "OUTSIGNAL_REDIS_URL", *pg.env())})
        os.environ.update(extra_env)
        home = orchestration.prepare_home(Path(env["DAGSTER_HOME"]), production=True)
        orchestration.apply_pool_limits_at(home)
        logs = tmp / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        config = ServeConfig(dagster_port=free_port(), code_server_port=free_port(), dagster_home=home,
                             production=True)
        stack = Stack(env=env, home=home, logs=logs, dagster_url=config.dagster_url)
        try:
            commands = production_commands(config, workspace_file(config, home))
            stack.start("code-server", commands["code-server"])
            for i in range(workers):
                stack.start_worker(f"worker{i + 1}", wait=False)
            assert wait_for_port("127.0.0.1", config.code_server_port, time.monotonic() + 180,
                                 lambda: stack.processes["code-server"].poll() is None), stack.log("code-server")[-3000:]
            stack.start("daemon", commands["daemon"])
            if webserver:
                stack.start("webserver", commands["webserver"])
            for i in range(workers):
                stack.wait_for_worker(f"worker{i + 1}")
            if webserver:
                _wait_http(f"{config.dagster_url}/server_info", stack.processes["webserver"], stack, "webserver")
            deadline = time.monotonic() + 180
            with orchestration.instance() as inst:
                while not orchestration.daemon_running(inst):
                    assert stack.processes["daemon"].poll() is None, stack.log("daemon")[-3000:]
                    assert time.monotonic() < deadline, f"no daemon heartbeat:\n{stack.log('daemon')[-3000:]}"
                    time.sleep(0.5)
            print(f"production stack up in {time.monotonic() - started:.1f} s")
            yield stack
        finally:
            stack.stop()
