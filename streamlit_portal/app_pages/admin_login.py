"""Admin sign-in (OUTSIGNAL_ADMIN_PASSWORD; in demo mode the password is 'demo')."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.auth import admin_sign_in, demo_mode
from streamlit_portal.services import sessions

st.title("Admin sign-in")
if demo_mode():
    st.caption("Demo mode: the password is `demo` unless OUTSIGNAL_ADMIN_PASSWORD is set.")
with st.form("admin_login"):
    password = st.text_input("Password", type="password", key="admin_password")
    submitted = st.form_submit_button("Sign in")
if submitted:
    try:
        # A new session id at every sign-in; the tab's previous one, if any, is revoked.
        sessions.remember("admin", admin_sign_in(password, sessions.browser_key(), previous=sessions.token("admin")))
    except OperationError as exc:
        st.error(str(exc))
    else:
        st.rerun()
