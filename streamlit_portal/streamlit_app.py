"""Router of the Streamlit app: admin pages today; the client portal joins it later."""

from __future__ import annotations

import streamlit as st

from streamlit_portal.services.chat_ui import agent_shortcut
from streamlit_portal.services.store import ensure_store

st.set_page_config(page_title="Outsignal Lead Engine", page_icon="📬", layout="wide")

ensure_store()

pages = {
    "Admin": [
        st.Page("app_pages/admin_home.py", title="Home", icon="🏠", url_path="home", default=True),
        st.Page("app_pages/admin_people.py", title="People", icon="🔎", url_path="people"),
        st.Page("app_pages/admin_companies.py", title="Companies", icon="🏢", url_path="companies"),
        st.Page("app_pages/admin_lists.py", title="Lists", icon="📋", url_path="lists"),
        st.Page("app_pages/admin_campaigns.py", title="Campaign copy", icon="✉️", url_path="campaigns"),
        st.Page("app_pages/admin_spend.py", title="Spend", icon="💸", url_path="spend"),
        st.Page("app_pages/admin_settings.py", title="Settings", icon="⚙️", url_path="settings"),
        st.Page("app_pages/admin_chat.py", title="Leads Agent", icon="💬", url_path="chat"),
        st.Page("app_pages/admin_agent_runs.py", title="Agent runs", icon="🧾", url_path="agent-runs"),
    ],
}
page = st.navigation(pages)
agent_shortcut()
page.run()
