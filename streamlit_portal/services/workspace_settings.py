"""The Settings page's forms beyond the ICP: a new workspace, clients and notifications, the EmailBison
connection, and enrichment/deploy settings, each drawn in its own tab of the page (only the tab shown
is drawn). Layout only: every rule is in operations.workspaces."""

from __future__ import annotations

import re
from functools import cache

import pycountry
import streamlit as st

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.workspaces import update_settings, upsert_workspace, workspace_settings
from streamlit_portal.services.panels import opened

TOKEN_SOURCES = {
    "stored": "stored encrypted",
    "environment": "read from the environment variable {env}",
    "sandbox": "the sandbox's own token (demo)",
    "missing": "not set: exports and deploys will be refused",
}


@cache
def country_codes() -> tuple[str, ...]:
    """Every ISO country code, sorted: the ICP form's choices (a constant, built once per process)."""
    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


def _split(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def _save(slug: str, done: str, forget: str | None = None, **changes) -> None:
    """Save and say so; `forget` names a secret widget whose value must not outlive this run."""
    if forget:
        st.session_state.pop(forget, None)
    try:
        update_settings(slug, **changes)
    except OperationError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        st.session_state["settings_flash"] = done
        st.rerun()


def new_workspace_form(expanded: bool) -> None:
    panel = opened("Add a workspace", "settings_new_open", expanded=expanded, icon=":material/add:")
    if panel is None:
        return
    with panel:
        with st.form("settings_new_workspace", clear_on_submit=False):
            slug = st.text_input("Slug (lower-case letters, digits and dashes)", key="settings_new_slug")
            name = st.text_input("Name", key="settings_new_name")
            created = st.form_submit_button("Add workspace", key="settings_new_save")
        if created:
            try:
                upsert_workspace(slug.strip(), name)
            except OperationError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state["settings_flash"] = "Workspace added."
                st.rerun()


def people_form(slug: str) -> None:
    current = workspace_settings(slug)
    with st.form(f"settings_people_{slug}"):
        clients = st.text_area("Client emails (may sign in to the portal and decide; one per line)",
                               "\n".join(current.client_emails), key=f"settings_clients_{slug}")
        notify = st.text_area("Notification emails (hear about approvals and deploys; one per line)",
                              "\n".join(current.notification_emails), key=f"settings_notify_{slug}")
        webhook = st.text_input("Slack webhook URL (empty: the agency's default)", current.slack_webhook_url or "",
                                key=f"settings_webhook_{slug}")
        if st.form_submit_button("Save clients and notifications", key=f"settings_people_save_{slug}"):
            _save(slug, "Clients and notifications saved.", client_emails=_split(clients),
                  notification_emails=_split(notify), slack_webhook_url=webhook)


def emailbison_form(slug: str) -> None:
    current = workspace_settings(slug)
    source = TOKEN_SOURCES[current.emailbison_token_source].format(
        env=current.emailbison_token_env or f"EMAILBISON_TOKEN_{slug.upper().replace('-', '_')}")
    hint = f"{current.emailbison_token_hint} · " if current.emailbison_token_hint else ""
    st.caption(f"API token: {hint}{source}")
    with st.form(f"settings_eb_{slug}", clear_on_submit=True):
        url = st.text_input("EmailBison URL (empty: the agency's default)", current.emailbison_base_url or "",
                            key=f"settings_eb_url_{slug}")
        token = st.text_input("New API token (leave empty to keep the current one)", type="password",
                              key=f"settings_eb_token_{slug}", autocomplete="off")
        if st.form_submit_button("Save EmailBison connection", key=f"settings_eb_save_{slug}"):
            _save(slug, "EmailBison connection saved.", forget=f"settings_eb_token_{slug}", emailbison_base_url=url,
                  emailbison_token=token or None)
    if current.emailbison_token_hint and st.button("Remove the stored token", key=f"settings_eb_clear_{slug}",
                                                   icon=":material/key_off:"):
        _save(slug, "Stored EmailBison token removed.", clear_emailbison_token=True)


def run_form(slug: str) -> None:
    current = workspace_settings(slug)
    with st.form(f"settings_run_{slug}"):
        auto = st.toggle("Deploy to EmailBison as soon as the client approves", current.auto_deploy,
                         key=f"settings_auto_{slug}")
        cap = st.number_input(f"Daily provider spend cap, USD (default ${current.default_daily_cap_usd:,.2f})",
                              min_value=0.0, value=float(current.daily_cap_usd or current.default_daily_cap_usd),
                              step=5.0, key=f"settings_cap_{slug}")
        order = st.multiselect("Email finders, in the order they are tried", current.default_finder_order,
                               default=current.finder_order, key=f"settings_finders_{slug}")
        if st.form_submit_button("Save enrichment and deploy", key=f"settings_run_save_{slug}"):
            _save(slug, "Enrichment and deploy settings saved.", auto_deploy=auto, daily_cap_usd=cap,
                  finder_order=order)
