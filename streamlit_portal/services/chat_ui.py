"""The chat UI shared by the ⌘J dialog (on every admin page) and the full Chat page. The conversation
lives in the session (per browser tab), keyed by nothing global, so users never see each other's."""

from __future__ import annotations

import polars as pl
import streamlit as st

from outsignal_pipelines import settings
from outsignal_pipelines.agent.chat import Conversation, chat
from outsignal_pipelines.operations.workspaces import list_workspaces

RESULT_COLUMNS = ["person_id", "full_name", "job_title", "company_name", "email", "email_status", "icp_score",
                  "location"]


def _conversation() -> Conversation:
    return Conversation.from_dict(st.session_state.get("chat_conversation"))


def _render_tables(tables: list[dict]) -> None:
    for table in tables:
        rows = table["rows"]
        if not rows:
            continue
        frame = pl.DataFrame(rows, infer_schema_length=None)
        columns = [c for c in RESULT_COLUMNS if c in frame.columns]
        st.dataframe(frame.select(columns), hide_index=True, width="stretch",
                     column_config={"icp_score": st.column_config.ProgressColumn("ICP", min_value=0, max_value=100,
                                                                                 format="%d")})


def render_chat(key: str) -> None:
    """History, a workspace picker and the input box. `key` keeps widgets distinct per surface."""
    workspaces = {w.name: w.slug for w in list_workspaces()}
    conv = _conversation()
    names = list(workspaces)
    current = next((n for n, s in workspaces.items() if s == conv.workspace), names[0] if names else None)
    if names:
        chosen = st.selectbox("Workspace", names, index=names.index(current), key=f"{key}_workspace")
        conv.workspace = workspaces[chosen]
    model = settings.llm_model()
    st.caption(f"Planner: {'LLM ' + model if model else 'offline (no LLM configured): handles the everyday sentences'}")
    for entry in st.session_state.get("chat_log", []):
        with st.chat_message(entry["role"]):
            st.markdown(entry["content"])
            _render_tables(entry.get("tables", []))
    message = st.chat_input("Ask: find CTOs in fintech with verified email", key=f"{key}_input")
    if message:
        reply, conv = chat(message, conv, workspace=conv.workspace, triggered_by="chat")
        log = st.session_state.setdefault("chat_log", [])
        log.append({"role": "user", "content": message})
        log.append({"role": "assistant", "content": reply.reply, "tables": reply.tables})
        st.session_state["chat_conversation"] = conv.to_dict()
        with st.chat_message("user"):
            st.markdown(message)
        with st.chat_message("assistant"):
            st.markdown(reply.reply)
            _render_tables(reply.tables)
    else:
        st.session_state["chat_conversation"] = conv.to_dict()


@st.dialog("Leads Agent", width="large")
def chat_dialog() -> None:
    render_chat("dialog")


def agent_shortcut() -> None:
    """The ⌘J button every admin page carries (Cmd+J on macOS, Ctrl+J elsewhere)."""
    if st.sidebar.button("Ask the agent", key="open_agent", shortcut="Cmd+J", icon=":material/chat:", help="⌘J / Ctrl+J"):
        chat_dialog()
