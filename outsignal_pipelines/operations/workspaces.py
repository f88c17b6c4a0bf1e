"""Workspaces: one per client of the agency."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.store import connect, transaction

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Workspace:
    slug: str
    name: str
    vertical: str | None
    icp_criteria: str | None
    icp_rules: dict[str, Any]
    client_emails: list[str]
    auto_deploy: bool


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise OperationError(f"workspace slug {slug!r} is not valid: use lower-case letters, digits and dashes")
    return slug


def _row_to_workspace(row: tuple) -> Workspace:
    slug, name, vertical, criteria, rules, emails, auto_deploy = row
    return Workspace(slug, name, vertical, criteria, json.loads(rules) if rules else {},
                     json.loads(emails) if emails else [], bool(auto_deploy))


_COLUMNS = "slug, name, vertical, icp_criteria, icp_rules, client_emails, auto_deploy"


def list_workspaces(con: duckdb.DuckDBPyConnection | None = None) -> list[Workspace]:
    if con is None:
        with connect() as own:
            return list_workspaces(own)
    rows = con.execute(f"SELECT {_COLUMNS} FROM workspaces ORDER BY name").fetchall()
    return [_row_to_workspace(r) for r in rows]


def get_workspace(slug: str, con: duckdb.DuckDBPyConnection | None = None) -> Workspace:
    if con is None:
        with connect() as own:
            return get_workspace(slug, own)
    row = con.execute(f"SELECT {_COLUMNS} FROM workspaces WHERE slug = ?", [slug]).fetchone()
    if row is None:
        known = [r[0] for r in con.execute("SELECT slug FROM workspaces ORDER BY slug").fetchall()]
        hint = f"; known workspaces: {', '.join(known)}" if known else "; create one with `outsignal workspace add`"
        raise NotFound(f"unknown workspace {slug!r}{hint}")
    return _row_to_workspace(row)


def upsert_workspace(slug: str, name: str, vertical: str | None = None, icp_criteria: str | None = None,
                     icp_rules: dict[str, Any] | None = None, client_emails: list[str] | None = None,
                     notification_emails: list[str] | None = None) -> Workspace:
    validate_slug(slug)
    if not name or not name.strip():
        raise OperationError("a workspace needs a name")
    with transaction() as con:
        con.execute(
            """INSERT INTO workspaces (slug, name, vertical, icp_criteria, icp_rules, client_emails, notification_emails)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (slug) DO UPDATE SET name = excluded.name,
                 vertical = coalesce(excluded.vertical, workspaces.vertical),
                 icp_criteria = coalesce(excluded.icp_criteria, workspaces.icp_criteria),
                 icp_rules = coalesce(excluded.icp_rules, workspaces.icp_rules),
                 client_emails = coalesce(excluded.client_emails, workspaces.client_emails),
                 notification_emails = coalesce(excluded.notification_emails, workspaces.notification_emails)""",
            [slug, name.strip(), vertical, icp_criteria,
             json.dumps(icp_rules) if icp_rules is not None else None,
             json.dumps(client_emails) if client_emails is not None else None,
             json.dumps(notification_emails) if notification_emails is not None else None],
        )
        return get_workspace(slug, con)


# ------------------------------------------------------------------ settings an admin edits

MAX_DAILY_CAP_USD = 10_000.0
# The email finders' order for a workspace that has not chosen one (the waterfall reads it too).
DEFAULT_FINDER_ORDER = ("aiark", "prospeo", "leadmagic", "findymail")
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class WorkspaceSettings:
    """Everything the Settings page and `outsignal workspaces show` display. The EmailBison token is
    never in it: only where it comes from and a masked hint."""
    slug: str
    name: str
    client_emails: list[str]
    notification_emails: list[str]
    slack_webhook_url: str | None
    emailbison_base_url: str | None
    emailbison_token_env: str | None
    emailbison_token_hint: str | None      # 'eb_…9f3a' when a token is stored (encrypted)
    emailbison_token_source: str          # stored | environment | sandbox | missing
    auto_deploy: bool
    daily_cap_usd: float | None           # None: the default (OUTSIGNAL_DAILY_CAP_USD)
    default_daily_cap_usd: float
    finder_order: list[str]
    default_finder_order: list[str]

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def _finders() -> tuple[str, ...]:
    from outsignal_pipelines.clients import registry

    return registry.names_with(registry.FIND_EMAIL)


def _default_finder_order() -> list[str]:
    return list(DEFAULT_FINDER_ORDER)


def token_env_name(slug: str, token_env: str | None) -> str:
    """The environment variable a workspace's EmailBison token is read from when none is stored."""
    return token_env or "EMAILBISON_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", slug.upper())


def _token_source(slug: str, encrypted: str | None, token_env: str | None) -> str:
    from outsignal_pipelines import settings

    if encrypted:
        return "stored"
    if settings.secret_from_env(token_env_name(slug, token_env)):
        return "environment"
    if settings.sandbox_url() or settings.emailbison_url():
        return "sandbox"
    return "missing"


def workspace_settings(slug: str) -> WorkspaceSettings:
    from outsignal_pipelines import settings

    with connect() as con:
        get_workspace(slug, con)
        row = con.execute(
            """SELECT slug, name, client_emails, notification_emails, slack_webhook_url, emailbison_base_url,
                      emailbison_token_env, emailbison_token_hint, emailbison_token_encrypted, auto_deploy,
                      daily_spend_cap_usd, finder_order
               FROM workspaces WHERE slug = ?""", [slug]).fetchone()
    (slug, name, clients, notify, webhook, eb_url, token_env, hint, encrypted, auto, cap, order) = row
    return WorkspaceSettings(
        slug=slug, name=name, client_emails=json.loads(clients) if clients else [],
        notification_emails=json.loads(notify) if notify else [], slack_webhook_url=webhook,
        emailbison_base_url=eb_url, emailbison_token_env=token_env, emailbison_token_hint=hint if encrypted else None,
        emailbison_token_source=_token_source(slug, encrypted, token_env), auto_deploy=bool(auto),
        daily_cap_usd=None if cap is None else float(cap), default_daily_cap_usd=settings.daily_cap_usd(),
        finder_order=json.loads(order) if order else _default_finder_order(),
        default_finder_order=_default_finder_order())


def _emails(label: str, values: list[str] | None, problems: list[str]) -> list[str] | None:
    from outsignal_pipelines.domain import normalize as norm

    if values is None:
        return None
    cleaned: list[str] = []
    for value in values:
        if not str(value).strip():
            continue
        try:
            email = norm.normalize_email(value)
        except norm.InvalidValue:
            email = None
        if email is None:
            problems.append(f"{label}: {str(value).strip()[:80]!r} is not an email address")
        elif email not in cleaned:
            cleaned.append(email)
    return cleaned


def _url(label: str, value: str | None, problems: list[str]) -> str | None:
    """https with a host, or http on this machine (the sandbox); '' clears the setting."""
    from urllib.parse import urlsplit

    if value is None:
        return None
    value = value.strip()
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    ok = parts is not None and bool(host) and not any(c.isspace() for c in value) and (
        parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK_HOSTS))
    if not ok:
        problems.append(f"{label}: {value[:120]!r} must be an https:// address (or http://127.0.0.1 for the sandbox)")
    return value.rstrip("/")


def update_settings(slug: str, *, client_emails: list[str] | None = None,
                    notification_emails: list[str] | None = None, slack_webhook_url: str | None = None,
                    emailbison_base_url: str | None = None, emailbison_token: str | None = None,
                    emailbison_token_env: str | None = None, clear_emailbison_token: bool = False,
                    auto_deploy: bool | None = None, daily_cap_usd: float | None = None,
                    reset_daily_cap: bool = False, finder_order: list[str] | None = None) -> WorkspaceSettings:
    """Change any of a workspace's settings (None leaves one as it is; '' clears a URL). Every value
    is checked first: one bad value refuses the whole change, naming each problem, and nothing is
    saved. A token is stored encrypted with a masked hint; it is never logged or returned."""
    problems: list[str] = []
    clients = _emails("client emails", client_emails, problems)
    notify = _emails("notification emails", notification_emails, problems)
    webhook = _url("Slack webhook", slack_webhook_url, problems)
    eb_url = _url("EmailBison URL", emailbison_base_url, problems)
    if emailbison_token is not None:
        emailbison_token = emailbison_token.strip()
        if not emailbison_token or any(c.isspace() for c in emailbison_token) or len(emailbison_token) > 512:
            problems.append("EmailBison token: paste the API token as one word (no spaces)")
    if emailbison_token_env is not None:
        emailbison_token_env = emailbison_token_env.strip()
        if emailbison_token_env and not re.fullmatch(r"[A-Z_][A-Z0-9_]{0,127}", emailbison_token_env):
            problems.append("EmailBison token variable: use the NAME of an environment variable, e.g. EMAILBISON_TOKEN_RISE")
    if daily_cap_usd is not None:
        try:
            daily_cap_usd = float(daily_cap_usd)
        except (TypeError, ValueError):
            daily_cap_usd = -1.0
        if not 0 < daily_cap_usd <= MAX_DAILY_CAP_USD:
            problems.append(f"daily cap: must be more than $0 and at most ${MAX_DAILY_CAP_USD:,.0f}")
    if finder_order is not None:
        finder_order = [f.strip().lower() for f in finder_order if f.strip()]
        known = _finders()
        unknown = [f for f in finder_order if f not in known]
        if unknown:
            problems.append(f"finder order: unknown finder(s) {', '.join(unknown)}; choose from {', '.join(known)}")
        elif not finder_order or len(set(finder_order)) != len(finder_order):
            problems.append("finder order: name each finder at most once, and at least one")
    if problems:
        raise OperationError("nothing saved: " + "; ".join(problems))

    sets: dict[str, Any] = {}
    if clients is not None:
        sets["client_emails"] = json.dumps(clients)
    if notify is not None:
        sets["notification_emails"] = json.dumps(notify)
    if webhook is not None:
        sets["slack_webhook_url"] = webhook or None
    if eb_url is not None:
        sets["emailbison_base_url"] = eb_url or None
    if emailbison_token_env is not None:
        sets["emailbison_token_env"] = emailbison_token_env or None
    if clear_emailbison_token:
        sets["emailbison_token_encrypted"] = sets["emailbison_token_hint"] = None
    if emailbison_token:
        from outsignal_pipelines.operations import secrets

        sets["emailbison_token_encrypted"] = secrets.encrypt(emailbison_token)
        sets["emailbison_token_hint"] = secrets.mask(emailbison_token)
    if auto_deploy is not None:
        sets["auto_deploy"] = bool(auto_deploy)
    if reset_daily_cap:
        sets["daily_spend_cap_usd"] = None
    elif daily_cap_usd is not None:
        sets["daily_spend_cap_usd"] = daily_cap_usd
    if finder_order is not None:
        sets["finder_order"] = json.dumps(finder_order)
    with transaction() as con:
        get_workspace(slug, con)
        if sets:
            assignments = ", ".join(f"{column} = ?" for column in sets)  # column names are ours, not the caller's
            con.execute(f"UPDATE workspaces SET {assignments} WHERE slug = ?", [*sets.values(), slug])
    return workspace_settings(slug)


def emailbison_token(slug: str) -> tuple[str | None, str]:
    """(token, where it came from) for the EmailBison client: the stored (encrypted) token, else the
    environment variable the workspace names (default EMAILBISON_TOKEN_<SLUG>), else the sandbox's
    per-workspace token when the sandbox serves EmailBison. For the client only: never display it."""
    from outsignal_pipelines import settings
    from outsignal_pipelines.operations import secrets

    with connect() as con:
        get_workspace(slug, con)
        encrypted, token_env = con.execute(
            "SELECT emailbison_token_encrypted, emailbison_token_env FROM workspaces WHERE slug = ?", [slug]).fetchone()
    if encrypted:
        return secrets.decrypt(encrypted), "stored"
    env_name = token_env_name(slug, token_env)
    token = settings.secret_from_env(env_name)
    if token:
        return token, f"environment variable {env_name}"
    if settings.sandbox_url() or settings.emailbison_url():
        return f"sandbox-{slug}", "sandbox"
    return None, f"set a token in Settings, or the environment variable {env_name}"
