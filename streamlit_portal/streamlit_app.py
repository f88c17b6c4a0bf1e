"""Router of the Streamlit app. Pages are chosen after authentication: a signed-in admin gets the
admin pages (each with the ⌘J agent); everyone else gets the client portal (magic-link sign-in) and
the admin sign-in page. Identity always comes from a server-side session looked up by token."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.operations.auth import session
from streamlit_portal.services.errors import shown_plainly
from streamlit_portal.services.store import ensure_store

st.set_page_config(page_title="Outsignal Lead Engine", page_icon=":material/mark_email_unread:", layout="wide")
with shown_plainly("router", stop=True):
    ensure_store()
    identity = session(st.session_state.get("admin_session"))
portal = st.Page("app_pages/portal.py", title="Client portal", icon=":material/handshake:", url_path="portal")
if identity is not None and identity.is_admin:
    from streamlit_portal.services.chat_ui import agent_shortcut

    pages = {
        "Admin": [
            st.Page("app_pages/admin_home.py", title="Home", icon=":material/home:", url_path="home", default=True),
            st.Page("app_pages/admin_people.py", title="People", icon=":material/person_search:", url_path="people"),
            st.Page("app_pages/admin_companies.py", title="Companies", icon=":material/domain:", url_path="companies"),
            st.Page("app_pages/admin_lists.py", title="Lists", icon=":material/list_alt:", url_path="lists"),
            st.Page("app_pages/admin_campaigns.py", title="Campaign copy", icon=":material/edit_note:", url_path="campaigns"),
            st.Page("app_pages/admin_spend.py", title="Spend", icon=":material/payments:", url_path="spend"),
            st.Page("app_pages/admin_settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
            st.Page("app_pages/admin_chat.py", title="Leads Agent", icon=":material/chat:", url_path="chat"),
            st.Page("app_pages/admin_agent_runs.py", title="Agent runs", icon=":material/receipt_long:", url_path="agent-runs"),
            st.Page("app_pages/admin_inbox.py", title="Sandbox inbox", icon=":material/inbox:", url_path="inbox"),
        ],
        "Client": [portal],
    }
    page = st.navigation(pages)
    agent_shortcut()
    if st.sidebar.button("Sign out", key="admin_sign_out"):
        from outsignal_pipelines.operations.auth import sign_out

        sign_out(st.session_state.pop("admin_session", None))
        st.rerun()
else:
    # The portal must keep its own address (/portal, where magic links point): a default page would
    # only be served at "/", so the sign-in page is the default here. No menu: a client sees nothing of
    # the admin's, and the admin reaches the sign-in page by its address.
    page = st.navigation([st.Page("app_pages/admin_login.py", title="Admin sign-in", icon=":material/lock:", url_path="admin",
                                  default=True), portal], position="hidden")
with shown_plainly(page.title):
    page.run()
