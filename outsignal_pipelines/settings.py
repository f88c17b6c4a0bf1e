"""Every environment-dependent choice in one place, read at call time (never at import) so tests
and child processes can point the product elsewhere by setting variables. No other module reads
the environment (a test enforces it): a new setting gets a function here."""

from __future__ import annotations

import os
import re
from pathlib import Path

DEFAULT_DB = "data/outsignal.duckdb"
DEFAULT_DAILY_CAP_USD = 10.0
DEFAULT_PORTAL_URL = "http://127.0.0.1:8501"
DEFAULT_MAIL_FROM = "Outsignal <notifications@outsignal.example>"


def _get(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _float(name: str, default: float, minimum: float | None = None) -> float:
    try:
        value = float(_get(name) or default)
    except ValueError:
        value = default
    return max(minimum, value) if minimum is not None else value


def _int(name: str, default: int) -> int:
    try:
        return int(_get(name) or default)
    except ValueError:
        return default


def _flag(name: str) -> bool:
    return (_get(name) or "").strip().lower() in ("1", "true", "yes", "on")


# ------------------------------------------------------------------ the store

def store_url() -> str:
    """OUTSIGNAL_DB: where the lead store is, as one string. A path names a local DuckDB file; a
    string with a scheme (`md:...`, `quack:...`) names a shared warehouse. Only the store helper
    (store/connection.py) interprets it."""
    return _get("OUTSIGNAL_DB") or DEFAULT_DB


def store_is_remote() -> bool:
    """Whether OUTSIGNAL_DB has a URL scheme (then it is no file on this machine)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", store_url()) is not None


def db_path() -> Path:
    """The DuckDB lead store file selected by OUTSIGNAL_DB (meaningful only for a local store)."""
    return Path(store_url())


def motherduck_token() -> str | None:
    """MOTHERDUCK_TOKEN: what an `md:` store URL signs in with (never written to a file we print)."""
    return _get("MOTHERDUCK_TOKEN")


def store_configured() -> bool:
    """Whether OUTSIGNAL_DB names the store (else the default file is used)."""
    return _get("OUTSIGNAL_DB") is not None


def lock_timeout_seconds() -> float:
    """How long to wait for another process's lock before giving up with a clear error."""
    return _float("OUTSIGNAL_DB_LOCK_TIMEOUT", 30.0, minimum=0.0)


def db_linger_seconds() -> float:
    """How long a process keeps its turn at the store (and DuckDB's caches) after its last query while
    no other process asks for it (0: hand over at once). Another process that asks gets it at once."""
    return _float("OUTSIGNAL_DB_LINGER_SECONDS", 0.0, minimum=0.0)


def search_lag_seconds() -> float:
    """How stale the app server's searches may be (they read a copy of the store refreshed this often
    while it changes); 0 reads the store itself. The app server sets it; batch processes do not."""
    return _float("OUTSIGNAL_SEARCH_LAG_SECONDS", 0.0, minimum=0.0)


def read_copy_dir() -> Path | None:
    """OUTSIGNAL_READ_COPY_DIR: where the app server keeps its search copies (default: /dev/shm)."""
    value = _get("OUTSIGNAL_READ_COPY_DIR")
    return Path(value) if value else None


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def sql_models_dir() -> Path:
    return Path(_get("OUTSIGNAL_SQL_DIR") or project_root() / "dbt_like_sql")


def data_dir() -> Path:
    """Folder for files the product writes beside the DB (rejects CSVs, exports): OUTSIGNAL_DATA_DIR,
    else the local store's folder (a shared warehouse has none: then data/)."""
    explicit = _get("OUTSIGNAL_DATA_DIR")
    if explicit:
        return Path(explicit)
    return Path(DEFAULT_DB).resolve().parent if store_is_remote() else db_path().resolve().parent


# ------------------------------------------------------------------ Dagster

def dagster_home() -> Path | None:
    """DAGSTER_HOME when set, else the project's .dagster_home when `make demo` prepared one."""
    home = _get("DAGSTER_HOME")
    if home:
        return Path(home)
    candidate = project_root() / ".dagster_home"
    return candidate if (candidate / "dagster.yaml").exists() else None


def dagster_home_for_serving() -> Path:
    return Path(_get("DAGSTER_HOME") or ".dagster_home")


def demo_env_file() -> Path:
    """Where `outsignal demo` writes the lines a second terminal sources to reach its store and sandbox."""
    return Path(_get("OUTSIGNAL_DEMO_ENV_FILE") or project_root() / ".outsignal-demo.env")


def profile() -> str:
    """OUTSIGNAL_PROFILE: `demo` (default: SQLite instance storage, one machine) or `production`
    (Postgres instance storage, the run queue's per-list and per-vendor limits, run retries, Celery
    workers). `outsignal serve --production` sets it for every process it starts."""
    value = (_get("OUTSIGNAL_PROFILE") or "demo").strip().lower()
    return "production" if value in ("production", "prod") else "demo"


def production() -> bool:
    return profile() == "production"


def redis_url() -> str | None:
    """OUTSIGNAL_REDIS_URL: the Celery broker and result backend, and the vendors' shared rate limits
    (production profile). Unset: no Redis anywhere (the demo)."""
    return _get("OUTSIGNAL_REDIS_URL")


PRODUCTION_SETTINGS = ("OUTSIGNAL_REDIS_URL", "DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER",
                       "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB")


def missing_production_settings() -> list[str]:
    """The variables the production profile needs that are not set (Postgres, Redis)."""
    return [name for name in PRODUCTION_SETTINGS if os.environ.get(name) is None]


def code_server_port() -> int:
    """OUTSIGNAL_CODE_SERVER_PORT: the gRPC code server of the production profile (default 4266)."""
    return _int("OUTSIGNAL_CODE_SERVER_PORT", 4266)


def max_concurrent_runs() -> int:
    return max(1, _int("OUTSIGNAL_MAX_CONCURRENT_RUNS", 8))


def run_max_retries() -> int:
    """How often a run that died with its worker is retried (production profile)."""
    return max(0, _int("OUTSIGNAL_RUN_MAX_RETRIES", 2))


def pool_limit(pool: str) -> int | None:
    """OUTSIGNAL_POOL_<NAME>: how many steps of one vendor pool may run at once (production profile)."""
    raw = _get(f"OUTSIGNAL_POOL_{pool.upper()}")
    return int(raw) if raw and raw.isdigit() else None


def celery_visibility_timeout_seconds() -> int:
    """How long a step a worker took may go unacknowledged before Redis hands it to another worker
    (the worker died). Must exceed the longest step: default one hour."""
    return max(5, _int("OUTSIGNAL_CELERY_VISIBILITY_TIMEOUT", 3600))


def claim_lease_seconds() -> float:
    """How long a paid question claimed by a run stays its own; a dead holder's claims are free again
    after this long (OUTSIGNAL_CLAIM_LEASE_SECONDS, default 120 s)."""
    return _float("OUTSIGNAL_CLAIM_LEASE_SECONDS", 120.0, minimum=1.0)


def run_wait_timeout_seconds() -> float:
    """How long a face follows a queued run before answering 'still running'."""
    return _float("OUTSIGNAL_RUN_WAIT_TIMEOUT", 1800.0, minimum=1.0)


# ------------------------------------------------------------------ servers started by `demo`/`serve`

def bind_host() -> str:
    return _get("OUTSIGNAL_BIND", "127.0.0.1") or "127.0.0.1"


def dagster_port() -> int:
    return _int("OUTSIGNAL_DAGSTER_PORT", 3000)


def streamlit_port() -> int:
    return _int("OUTSIGNAL_STREAMLIT_PORT", 8501)


def sandbox_port() -> int:
    return _int("OUTSIGNAL_SANDBOX_PORT", 8765)


def webhook_port() -> int:
    """Port of the EmailBison webhook endpoint that `demo` and `serve` start."""
    return _int("OUTSIGNAL_WEBHOOK_PORT", 8766)


def webhook_public_url() -> str | None:
    """OUTSIGNAL_WEBHOOK_URL: the address EmailBison reaches the webhook endpoint at (a public HTTPS
    origin in production, set by `demo`/`serve` to the local endpoint). Unset: webhook URLs are not
    registered with EmailBison at deploy time."""
    value = _get("OUTSIGNAL_WEBHOOK_URL")
    return value.rstrip("/") if value else None


def webhook_unknown_limits() -> tuple[int, int]:
    """Requests with an unknown secret allowed per minute: (per client address, for the whole server)."""
    return (_int("OUTSIGNAL_WEBHOOK_UNKNOWN_PER_ADDRESS", 10), _int("OUTSIGNAL_WEBHOOK_UNKNOWN_GLOBAL", 60))


def bounce_rate_threshold() -> float:
    """A list whose bounce rate (bounced / sent) is above this fails its outcome check."""
    return _float("OUTSIGNAL_BOUNCE_RATE_THRESHOLD", 0.05, minimum=0.0)


def sandbox_smtp_port() -> int | None:
    """The sandbox SMTP sink's port when one runs (set by `make demo`)."""
    raw = _get("OUTSIGNAL_SANDBOX_SMTP_PORT")
    return int(raw) if raw and raw.isdigit() else None


def sandbox_smtp_port_for_serving() -> int:
    return _int("OUTSIGNAL_SANDBOX_SMTP_PORT", 8025)


def child_environment(overrides: dict[str, str], defaults: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a process we start: ours, with `defaults` where unset, then `overrides`."""
    env = dict(os.environ)
    for key, value in (defaults or {}).items():
        env.setdefault(key, value)
    env.update(overrides)
    return env


# ------------------------------------------------------------------ vendors

def sandbox_url() -> str | None:
    """OUTSIGNAL_SANDBOX_URL: point every vendor client at the local sandbox."""
    value = _get("OUTSIGNAL_SANDBOX_URL")
    return value.rstrip("/") if value else None


def vendor_url(env: str) -> str | None:
    """OUTSIGNAL_<VENDOR>_URL: one vendor's base URL override."""
    value = _get(f"OUTSIGNAL_{env}_URL")
    return value.rstrip("/") if value else None


def vendor_api_key(env: str) -> str | None:
    return _get(f"{env}_API_KEY")


def vendor_rps(env: str) -> float | None:
    raw = _get(f"OUTSIGNAL_{env}_RPS")
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def daily_cap_usd() -> float:
    return _float("OUTSIGNAL_DAILY_CAP_USD", DEFAULT_DAILY_CAP_USD)


def emailbison_url() -> str | None:
    value = _get("OUTSIGNAL_EMAILBISON_URL")
    return value.rstrip("/") if value else None


def secret_from_env(env_name: str) -> str | None:
    """A secret whose variable name is stored in the database (e.g. a workspace's EmailBison token):
    the name is data, the value lives only in the environment."""
    return _get(env_name)


def secret_key_file() -> Path | None:
    """Where the key that encrypts stored secrets lives when OUTSIGNAL_SECRET_KEY is not set:
    OUTSIGNAL_SECRET_KEY_FILE, else a file in the Dagster home, never beside the lead store (a copy of
    the store alone holds no usable secret)."""
    explicit = _get("OUTSIGNAL_SECRET_KEY_FILE")
    if explicit:
        return Path(explicit)
    home = dagster_home()
    return home / "outsignal_secret.key" if home else None


def secret_key() -> str | None:
    """OUTSIGNAL_SECRET_KEY, else the contents of secret_key_file() when it exists."""
    explicit = _get("OUTSIGNAL_SECRET_KEY")
    if explicit:
        return explicit
    path = secret_key_file()
    if path is not None and path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


# ------------------------------------------------------------------ notifications

def smtp_server() -> tuple[str, int] | None:
    host, port = _get("OUTSIGNAL_SMTP_HOST"), _get("OUTSIGNAL_SMTP_PORT")
    if host and port and port.isdigit():
        return host, int(port)
    sandbox = sandbox_smtp_port()
    return ("127.0.0.1", sandbox) if sandbox else None


def slack_webhook_url() -> str | None:
    explicit = _get("OUTSIGNAL_SLACK_WEBHOOK_URL")
    if explicit:
        return explicit
    sandbox = sandbox_url()
    return f"{sandbox}/slack/webhook" if sandbox else None


def mail_from() -> str:
    return _get("OUTSIGNAL_MAIL_FROM", DEFAULT_MAIL_FROM) or DEFAULT_MAIL_FROM


# ------------------------------------------------------------------ the app

def demo_mode() -> bool:
    return _flag("OUTSIGNAL_DEMO")


def portal_base_url() -> str:
    return (_get("OUTSIGNAL_PORTAL_URL") or DEFAULT_PORTAL_URL).rstrip("/")


def admin_password() -> str | None:
    return _get("OUTSIGNAL_ADMIN_PASSWORD")


def agency_name() -> str:
    """OUTSIGNAL_AGENCY_NAME: who the client portal says it comes from (default "Outsignal")."""
    return (_get("OUTSIGNAL_AGENCY_NAME") or "").strip() or "Outsignal"


# ------------------------------------------------------------------ the LLM

def llm_model() -> str | None:
    model = (_get("OUTSIGNAL_LLM_MODEL") or "").strip()
    return model or None


def llm_concurrency() -> int:
    return max(1, _int("OUTSIGNAL_LLM_CONCURRENCY", 8))


def prepare_litellm() -> None:
    """litellm otherwise tries the network for a price map on import (measured ~7 s offline)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
