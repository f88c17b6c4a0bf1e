"""The Leads Agent, full page: the same conversation as the ⌘J dialog."""

from __future__ import annotations

import streamlit as st

from streamlit_portal.services.chat_ui import render_chat

st.title("Leads Agent")
render_chat("page")
