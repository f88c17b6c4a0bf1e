"""Shared fixtures: every test gets its own real DuckDB file under tmp_path, selected the way the
product selects it (OUTSIGNAL_DB), so nothing touches data/ and tests never share state."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

REPO = Path(__file__).resolve().parent.parent
MESSY_CSV = REPO.parent / "shared" / "data" / "messy_leads.csv"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--phase", choices=("all", "parallel", "serial"), default="all",
        help="`make test` runs the suite in two phases: 'parallel' (everything not marked serial, under "
             "pytest-xdist) and then 'serial' (tests that assert wall-clock bounds, alone on the machine).")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (never skip) the tests of the other phase, so each phase reports only what it ran."""
    phase = config.getoption("--phase")
    if phase == "all":
        return
    want_serial = phase == "serial"
    keep = [item for item in items if (item.get_closest_marker("serial") is not None) == want_serial]
    dropped = [item for item in items if (item.get_closest_marker("serial") is not None) != want_serial]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """No proxies, no real DB, no Dagster home from the developer's shell leak into a test."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "OUTSIGNAL_LLM_MODEL", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OUTSIGNAL_DB", str(tmp_path / "store" / "outsignal.duckdb"))
    # Runs executed in-process are recorded in a Dagster instance of the test's own.
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("OUTSIGNAL_ADMIN_PASSWORD", "test-admin-password")
    for name in ("OUTSIGNAL_DEMO", "OUTSIGNAL_SMTP_HOST", "OUTSIGNAL_SMTP_PORT", "OUTSIGNAL_SANDBOX_SMTP_PORT",
                 "OUTSIGNAL_SLACK_WEBHOOK_URL", "OUTSIGNAL_SANDBOX_URL", "OUTSIGNAL_WEBHOOK_URL",
                 "OUTSIGNAL_WEBHOOK_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OUTSIGNAL_DB_LOCK_TIMEOUT", "20")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return Path(os.environ["OUTSIGNAL_DB"])


@pytest.fixture
def store(db_path: Path) -> Path:
    """An initialised, empty store (schema + SQL models)."""
    from outsignal_pipelines.operations.setup import init_store

    init_store()
    return db_path


@pytest.fixture
def workspace(store: Path) -> str:
    from outsignal_pipelines.operations.workspaces import upsert_workspace

    upsert_workspace("acme", "Acme Client", client_emails=["client@acme.example"])
    return "acme"


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store built once per session (3,000 people), copied for each test that wants one."""
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "outsignal.duckdb"
    old = os.environ.get("OUTSIGNAL_DB")
    os.environ["OUTSIGNAL_DB"] = str(path)
    try:
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.setup import init_store

        init_store()
        seed_demo(people=3_000, seed=11)
    finally:
        if old is None:
            os.environ.pop("OUTSIGNAL_DB", None)
        else:
            os.environ["OUTSIGNAL_DB"] = old
    return path


@pytest.fixture
def seeded_store(_seeded_template: Path, db_path: Path) -> Path:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_seeded_template, db_path)
    return db_path


@pytest.fixture
def messy_csv(tmp_path: Path) -> Path:
    """The shared messy export, copied so rejects files land beside the test's own data."""
    target = tmp_path / "messy_leads.csv"
    shutil.copy(MESSY_CSV if MESSY_CSV.exists() else FIXTURES / "messy_leads.csv", target)
    return target


# ------------------------------------------------------------------ the sandbox vendor server

class _Sandbox:
    """A handle on the running sandbox server: its URL and its own accounting."""

    def __init__(self, url: str):
        self.url = url

    def configure(self, **vendors) -> None:
        import httpx

        response = httpx.post(f"{self.url}/_sandbox/config", json=vendors, timeout=10)
        response.raise_for_status()

    def usage(self) -> dict:
        import httpx

        return httpx.get(f"{self.url}/_sandbox/usage", timeout=10).json()

    def paid_requests(self) -> dict:
        import httpx

        return httpx.get(f"{self.url}/_sandbox/calls", timeout=10).json()["paid_requests"]

    def credits(self) -> float:
        return sum(v["credits"] for v in self.usage().values())


@pytest.fixture(scope="session")
def _sandbox_server():
    import socket
    import threading
    import time as _time

    import uvicorn

    from outsignal_pipelines.sandbox.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = _time.monotonic() + 20
    while not server.started:
        assert _time.monotonic() < deadline, "sandbox server did not start"
        _time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def sandbox(_sandbox_server, monkeypatch) -> _Sandbox:
    """The sandbox, reset, with every client pointed at it and our own rate limits out of the way."""
    import httpx

    httpx.post(f"{_sandbox_server}/_sandbox/reset", timeout=10).raise_for_status()
    monkeypatch.setenv("OUTSIGNAL_SANDBOX_URL", _sandbox_server)
    from outsignal_pipelines.clients.registry import env_names

    for vendor in env_names():
        monkeypatch.delenv(f"OUTSIGNAL_{vendor}_URL", raising=False)
        monkeypatch.delenv(f"{vendor}_API_KEY", raising=False)
        monkeypatch.setenv(f"OUTSIGNAL_{vendor}_RPS", "1000")
    return _Sandbox(_sandbox_server)


@pytest.fixture
def mail_and_slack(sandbox, monkeypatch):
    """A real SMTP server (aiosmtpd) on loopback and the sandbox's Slack webhook sink."""
    import socket

    from outsignal_pipelines.sandbox import inbox

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = inbox.start_smtp("127.0.0.1", port)
    monkeypatch.setenv("OUTSIGNAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OUTSIGNAL_SMTP_PORT", str(port))
    inbox.reset()
    yield inbox.INBOX
    controller.stop()


@pytest.fixture
def webhook_endpoint(monkeypatch):
    """The product's EmailBison webhook endpoint, really serving on a loopback port, with
    OUTSIGNAL_WEBHOOK_URL pointing at it (so deploys register it with the sandbox EmailBison)."""
    import socket
    import threading
    import time as _time

    import uvicorn

    from outsignal_pipelines.webhooks.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = _time.monotonic() + 20
    while not server.started:
        assert _time.monotonic() < deadline, "webhook endpoint did not start"
        _time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("OUTSIGNAL_WEBHOOK_URL", url)
    yield url
    server.should_exit = True
    thread.join(10)
