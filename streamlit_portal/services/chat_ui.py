"""The chat UI shared by the ⌘J dialog (on every admin page) and the full Chat page. The conversation
lives in the session (per browser tab), keyed by nothing global, so users never see each other's.

Layout: the workspace in focus on top (the page's selection when the chat starts, then the last one
mentioned; switchable here or by saying so), the conversation, and the input box last, so it stays at
the bottom however long the conversation gets. A CSV export comes back as a download button."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import streamlit as st

from outsignal_pipelines import settings
from outsignal_pipelines.agent.chat import Conversation, chat
from outsignal_pipelines.operations.workspaces import list_workspaces

RESULT_COLUMNS = {"full_name": "Name", "job_title": "Title", "company_name": "Company", "email": "Email",
                  "email_status": "Email status", "icp_score": "ICP", "location": "Location"}
SPEND_COLUMNS = {"provider": "Provider", "cost_usd": "Cost (USD)", "paid_calls": "Paid calls", "calls": "Calls"}


def _conversation() -> Conversation:
    return Conversation.from_dict(st.session_state.get("chat_conversation"))


def page_workspace(workspaces: dict[str, str]) -> str | None:
    """The workspace the page behind the chat has selected (its "<page>_workspace" widget), if any."""
    for key, value in st.session_state.items():
        if str(key).endswith("_workspace") and not str(key).startswith(("dialog_", "page_", "chat_")):
            if value in workspaces:
                return workspaces[value]
            if value in workspaces.values():
                return value
    return None


def _render_tables(tables: list[dict]) -> None:
    for table in tables:
        rows = table["rows"]
        if not rows:
            continue
        columns = SPEND_COLUMNS if table.get("tool") == "spend_summary" else RESULT_COLUMNS
        frame = pl.DataFrame(rows, infer_schema_length=None)
        keep = [c for c in columns if c in frame.columns]
        st.dataframe(frame.select(keep).rename({c: columns[c] for c in keep}), hide_index=True, width="stretch",
                     column_config={"ICP": st.column_config.ProgressColumn("ICP", min_value=0, max_value=100,
                                                                           format="%d")})


def _render_downloads(downloads: list[dict], key: str) -> None:
    for i, item in enumerate(downloads):
        path = Path(item["path"])
        if path.exists():
            st.download_button(f"Download {item['file_name']}", path.read_bytes(), file_name=item["file_name"],
                               mime="text/csv", icon=":material/download:", key=f"{key}_download_{i}_{item['file_name']}")
        else:
            st.caption(f"{item['file_name']} is no longer on the server; export it again.")


def plain(text: str) -> str:
    """Text shown as written: lead data in a reply (a job title with [a](link) or *stars*) is not markdown."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~$])", r"\\\1", text)


def _render_entry(entry: dict, key: str) -> None:
    with st.chat_message(entry["role"]):
        st.markdown(plain(entry["content"]))
        _render_tables(entry.get("tables", []))
        _render_downloads(entry.get("downloads", []), key)


def render_chat(key: str) -> None:
    """Focus picker, history and the input box. `key` keeps widgets distinct per surface."""
    workspaces = {w.name: w.slug for w in list_workspaces()}
    names_by_slug = {s: n for n, s in workspaces.items()}
    conv = _conversation()
    picker_key = f"{key}_workspace"
    shown_key = f"{key}_workspace_shown"
    if conv.workspace is None:
        conv.workspace = page_workspace(workspaces)
    picked = st.session_state.get(picker_key)
    if picked in workspaces and picked != st.session_state.get(shown_key):
        conv.workspace = workspaces[picked]          # switched with the picker
    top = st.container()
    history = st.container()
    message = st.chat_input("Ask: find VPs of sales in B2B SaaS with verified email", key=f"{key}_input")
    log = st.session_state.setdefault("chat_log", [])
    with history:
        for i, entry in enumerate(log):
            _render_entry(entry, f"{key}_{i}")
        if message:
            reply, conv = chat(message, conv, workspace=conv.workspace, triggered_by="chat")
            log.append({"role": "user", "content": message})
            log.append({"role": "assistant", "content": reply.reply, "tables": reply.tables,
                        "downloads": reply.downloads})
            _render_entry(log[-2], f"{key}_{len(log) - 2}")
            _render_entry(log[-1], f"{key}_{len(log) - 1}")
    st.session_state["chat_conversation"] = conv.to_dict()
    with top:
        names = list(workspaces)
        if names:
            current = names_by_slug.get(conv.workspace or "")
            st.session_state[picker_key] = current if current in names else None
            st.session_state[shown_key] = st.session_state[picker_key]
            st.selectbox("Workspace", names, key=picker_key, placeholder="Choose a workspace",
                         help="The chat works in this workspace. Switch here, or say \"switch to Lime\".")
        model = settings.llm_model()
        st.caption(f"Planner: {'LLM ' + model if model else 'offline (no LLM configured)'}")


@st.dialog("Leads Agent", width="large")
def chat_dialog() -> None:
    render_chat("dialog")


def agent_shortcut() -> None:
    """The ⌘J button every admin page carries (Cmd+J on macOS, Ctrl+J elsewhere)."""
    if st.sidebar.button("Ask the agent", key="open_agent", shortcut="Cmd+J", icon=":material/chat:",
                         help="⌘J / Ctrl+J"):
        chat_dialog()
