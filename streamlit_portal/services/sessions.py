"""Sessions that survive a refresh. Streamlit keeps `st.session_state` per browser tab connection,
so a reload (F5) used to start signed out. The session id now also lives in a cookie: the server reads
it from the connection's request (`st.context.cookies`) and looks it up in the store (which holds only
its SHA-256, see operations.auth); the page writes it with a few lines of JavaScript through
Streamlit's own components API (`st.components.v2`). The id is never in a URL, so it reaches neither
server logs nor `Referer` headers; the cookie is `SameSite=Strict`, `Path=/`, `Secure` over HTTPS,
and lives as long as the server-side session. It is not HttpOnly (a script sets it), which is why
the server re-checks every session on every run and pages show client text as plain text."""

from __future__ import annotations

import secrets

import streamlit as st

from outsignal_pipelines.operations.auth import SESSION_HOURS, PortalSession, session, sign_out

COOKIES = {"admin": "outsignal_admin", "client": "outsignal_portal"}
STATE = {"admin": "admin_session", "client": "portal_session"}   # this tab's copy, in memory

_WRITE_COOKIE = """
export default function ({ data }) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=${data.max_age}; SameSite=Strict${secure}`;
}
"""
_cookie_writer = st.components.v2.component("outsignal_session_cookie", js=_WRITE_COOKIE)


def browser_key() -> str:
    """A random key for this tab's connection: sign-in limits and backoff count per browser session
    with it (never per client address, which Streamlit does not know behind a proxy)."""
    return st.session_state.setdefault("sign_in_browser_key", secrets.token_urlsafe(16))


def _cookie(kind: str) -> str | None:
    try:
        value = st.context.cookies.get(COOKIES[kind])
    except Exception:  # noqa: BLE001 - no browser connection (e.g. AppTest): nothing to read
        return None
    return value if isinstance(value, str) and value else None


def token(kind: str) -> str | None:
    """This tab's session id: from memory, else from the browser's cookie (after a reload)."""
    held = st.session_state.get(STATE[kind])
    if held:
        return held
    kept = _cookie(kind)
    if kept and kept != st.session_state.get(f"{STATE[kind]}_dropped"):
        st.session_state[STATE[kind]] = kept
        return kept
    return None


def identity(kind: str) -> PortalSession | None:
    """Who this tab is signed in as, for `kind` ('admin' or 'client'); a dead session is dropped."""
    held = token(kind)
    me = session(held)
    if held and (me is None or me.is_admin != (kind == "admin")):
        _drop(kind)
        return None
    return me


def remember(kind: str, new_token: str) -> None:
    st.session_state[STATE[kind]] = new_token
    st.session_state.pop(f"{STATE[kind]}_dropped", None)


def _drop(kind: str) -> None:
    dropped = st.session_state.pop(STATE[kind], None)
    st.session_state[f"{STATE[kind]}_dropped"] = dropped or _cookie(kind)


def forget(kind: str) -> None:
    """Sign out: the server-side session is revoked and the browser's cookie is cleared."""
    sign_out(token(kind))
    _drop(kind)


def sync_cookies() -> None:
    """Make the browser's cookies match this tab's sessions (written by the next run after a sign-in
    or sign-out, since those end their run with a rerun)."""
    for kind, name in COOKIES.items():
        want = st.session_state.get(STATE[kind]) or ""
        if want != (_cookie(kind) or ""):
            _cookie_writer(key=f"cookie_{kind}", data={"name": name, "value": want,
                                                       "max_age": SESSION_HOURS * 3600 if want else 0},
                           height=0)
