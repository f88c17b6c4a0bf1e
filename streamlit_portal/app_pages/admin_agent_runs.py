"""Every action the agent took, from the chat, MCP or the CLI: input, tool calls, output, time, cost."""

from __future__ import annotations

import json

import streamlit as st

from outsignal_pipelines.operations.agent_runs import agent_runs
from outsignal_pipelines.operations.workspaces import list_workspaces
from streamlit_portal.services.plain import md_escape, quoted

st.title("Agent runs")
workspaces = {"All": None} | {w.name: w.slug for w in list_workspaces()}
cols = st.columns(3)
workspace = workspaces[cols[0].selectbox("Workspace", list(workspaces), key="runs_workspace")]
status = cols[1].selectbox("Status", ["any", "complete", "not_understood", "failed", "running"], key="runs_status",
                           format_func=lambda s: s.replace("_", " "))
source = cols[2].selectbox("From", ["any", "chat", "mcp", "cli", "pipeline"], key="runs_source")
runs = agent_runs(workspace, None if status == "any" else status, None if source == "any" else source)
if not runs:
    st.info("No agent runs yet. Press ⌘J and ask something.")
    st.stop()
st.caption(f"{len(runs)} runs (newest first)")
for run in runs:
    steps = json.loads(run["steps"]) if run["steps"] else []
    icon = {"complete": ":material/check_circle:", "failed": ":material/error:", "running": ":material/hourglass_top:",
            "not_understood": ":material/help:"}.get(run["status"], ":material/circle:")
    with st.expander(f"{icon} #{run['id']} · {run['triggered_by']} · {run['workspace_slug'] or '—'} · "
                     f"{md_escape(run['message'])}"):
        quoted("Reply", run["reply"] or "—", ":material/smart_toy:")  # may quote leads or client feedback
        st.caption(f"{run['created_at']:%Y-%m-%d %H:%M:%S} · {run['duration_ms'] or 0} ms · ${run['cost_usd'] or 0:.4f}")
        if run["error"]:
            st.error(md_escape(run["error"]))
        for step in steps:
            st.code(json.dumps({"tool": step["tool"], "args": step["args"]}, default=str), language="json")
