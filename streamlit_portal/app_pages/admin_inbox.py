"""What the product sent: the sandbox's SMTP and Slack sinks in demo mode (click a magic link here),
and the notification outbox with delivery status in any mode.

Messages carry what clients typed, so they are shown as plain text; only links to our own portal
become buttons."""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.auth import portal_base_url
from outsignal_pipelines.operations.notifications import outbox, sandbox_inbox
from streamlit_portal.services.plain import md_escape

st.title("Sandbox inbox")
try:
    received = sandbox_inbox()
except OperationError as exc:
    st.error(str(exc))
    received = {"emails": [], "slack": []}
if received is None:
    st.info("No sandbox in this deployment: messages go to real Slack and SMTP. The outbox below shows them.")
else:
    left, right = st.columns(2)
    with left:
        st.subheader(f"Email ({len(received['emails'])})")
        for mail in reversed(received["emails"]):
            with st.container(border=True):
                st.markdown(f"**{md_escape(mail['subject'])}** → {md_escape(', '.join(mail['to']))}")
                st.text(mail["text"])
                for url in re.findall(r"https?://\S+", mail["text"]):
                    if url.startswith(f"{portal_base_url()}/portal?"):
                        st.link_button("Open this link", url, icon=":material/open_in_new:")
    with right:
        st.subheader(f"Slack ({len(received['slack'])})")
        for message in reversed(received["slack"]):
            with st.container(border=True):
                st.text(message["text"])

rows = outbox()
st.subheader("Outbox")
if rows:
    st.dataframe(pl.DataFrame(rows).select("id", "kind", "channel", "status", "attempts", "last_error", "created_at",
                                           "sent_at"), hide_index=True, width="stretch", key="outbox_table")
else:
    st.caption("Nothing sent yet.")
