"""Router of the Streamlit app. Pages are chosen after authentication: a signed-in admin gets the
admin pages (each with the ⌘J agent); everyone else gets the client portal (magic-link sign-in) and
the admin sign-in page. Identity always comes from a server-side session looked up by token."""

from __future__ import annotations

import streamlit as st

from streamlit_portal.services import sessions
from streamlit_portal.services.errors import shown_plainly
from streamlit_portal.services.store import ensure_store

st.set_page_config(page_title="Outsignal Lead Engine", page_icon=":material/mark_email_unread:", layout="wide")
with shown_plainly("router", stop=True):
    ensure_store()
    identity = sessions.identity("admin")  # from this tab, or from the browser's cookie after a reload
ADMIN_PATHS = ("home", "people", "companies", "lists", "campaigns", "results", "spend", "settings", "chat", "agent-runs", "inbox")
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
            st.Page("app_pages/admin_results.py", title="Results", icon=":material/monitoring:", url_path="results"),
            st.Page("app_pages/admin_spend.py", title="Spend", icon=":material/payments:", url_path="spend"),
            st.Page("app_pages/admin_settings.py", title="Settings", icon=":material/settings:", url_path="settings"),
            st.Page("app_pages/admin_chat.py", title="Leads Agent", icon=":material/chat:", url_path="chat"),
            st.Page("app_pages/admin_agent_runs.py", title="Agent runs", icon=":material/receipt_long:", url_path="agent-runs"),
            st.Page("app_pages/admin_inbox.py", title="Sandbox inbox", icon=":material/inbox:", url_path="inbox"),
            # /admin answers too (where the sign-in form was): the admin's home, under that address.
            st.Page("app_pages/admin_home.py", title="Home", url_path="admin", visibility="hidden"),
        ],
        "Client": [portal],
    }
    page = st.navigation(pages)
    agent_shortcut()
    if st.sidebar.button("Sign out", key="admin_sign_out"):
        sessions.forget("admin")
        st.rerun()
else:
    # The portal must keep its own address (/portal, where magic links point): a default page would
    # only be served at "/", so the sign-in page is the default here. No menu: a client sees nothing of
    # the admin's. Every admin address shows the sign-in form (no "Page not found"); after signing in,
    # the same address shows its page.
    hidden = [st.Page("app_pages/admin_login.py", title="Admin sign-in", url_path=path, visibility="hidden")
              for path in ("admin", *ADMIN_PATHS)]
    page = st.navigation([st.Page("app_pages/admin_login.py", title="Admin sign-in", icon=":material/lock:",
                                  url_path="sign-in", default=True), portal, *hidden], position="hidden")
sessions.sync_cookies()
with shown_plainly(page.title):
    page.run()
