"""The Lists page's actions beyond the pipeline runs: import a file into a list, score with a preview
of what it costs, rename, and delete behind a confirmation. Layout only: the rules are operations'."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.estimates import LLM_CALL_ESTIMATE_USD, scoring_estimate
from outsignal_pipelines.operations.imports import import_upload
from outsignal_pipelines.operations.lists import delete_list, rename_list
from streamlit_portal.services.panels import opened
from streamlit_portal.services.plain import md_escape
from streamlit_portal.services.runs import run_with_progress

SHOW_LIST = "lists_show"   # an action's wish for the list the page shows next (the Lists page reads it)
IMPORT_PANEL = "lists_import_panel"


def import_panel(workspaces: dict[str, str], expanded: bool) -> None:
    """Leads from a CSV export (Apollo, Clay, Sales Navigator, ...) into a workspace and a list."""
    panel = opened("Import leads from a CSV file", IMPORT_PANEL, expanded=expanded, icon=":material/upload_file:")
    if panel is None:
        return
    with panel:
        if not workspaces:
            st.info("Add a workspace on the Settings page first: leads are imported into a workspace.")
            return
        upload = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key="lists_import_file")
        left, right = st.columns(2)
        workspace = left.selectbox("Into workspace", list(workspaces), key="lists_import_workspace")
        list_name = right.text_input("And into the list (new or existing; empty: none)", key="lists_import_list")
        if st.button("Import", key="lists_import_go", icon=":material/upload:", disabled=upload is None):
            try:
                with st.spinner("Importing"):
                    result = import_upload(upload.getvalue(), upload.name, workspaces[workspace],
                                           list_name=list_name.strip() or None)
            except OperationError as exc:
                st.error(str(exc), icon=":material/error:")
                return
            parts = [f"{result.inserted} new people", f"{result.updated} updated", f"{result.unchanged} unchanged",
                     f"{result.rejected} rejected"]
            if result.list_id:
                parts.append(f"{result.added_to_list} added to the list")
                st.session_state[SHOW_LIST] = result.list_id   # the page shows the list imported into
            st.session_state["lists_flash"] = "Imported: " + ", ".join(parts) + "."
            st.session_state["lists_import_report"] = result.warnings + (
                [f"Rejected rows and their reasons: {result.rejects_file}"] if result.rejects_file else [])
            st.rerun()
        report = st.session_state.get("lists_import_report", [])
        if report:  # the file's own values are quoted in it: shown as plain text, never as Markdown
            with st.container(border=True):
                st.caption(":material/warning: What the import could not use")
                for line in report:
                    st.text(line)


def score_button(row: dict) -> None:
    """Scoring with what it will do and cost on the button; clicking it is the confirmation. A list
    already scored can be scored again (after an ICP change), at the cost shown."""
    estimate = scoring_estimate(row["workspace_slug"], row["list_name"])
    force = not estimate["to_score"]
    count = row["members"] if force else estimate["to_score"]
    if not count:
        return
    cost = count * LLM_CALL_ESTIMATE_USD if estimate["scorer"] != "rules" else 0.0
    price = f"about ${cost:.2f}" if cost else "free"
    verb = "Score all" if force else "Score"
    label = f"{verb} {count} {'again ' if force else ''}against the ICP ({estimate['scorer']}, {price})"
    if st.button(label, key=f"score_{row['list_id']}", icon=":material/insights:"):
        request = run_with_progress(row["workspace_slug"], "score", row["list_name"], {"force": force})
        if request is not None and request.status == "complete":
            st.session_state["lists_flash"] = (f"Scored {request.summary['scored']} members of "
                                               f"{md_escape(row['list_name'])} with {md_escape(request.summary['scorer'])}.")
            st.rerun()


def manage_panel(row: dict) -> None:
    """Rename, and delete behind a second click that says what goes (the memberships) and what stays."""
    list_id, workspace, name = row["list_id"], row["workspace_slug"], row["list_name"]
    confirm_key = f"lists_confirm_delete_{list_id}"
    panel = opened("Rename or delete", f"lists_manage_{list_id}", icon=":material/edit:")
    if panel is None:
        return
    with panel:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        new_name = left.text_input("New name", value=name, key=f"rename_name_{list_id}")
        if right.button("Rename", key=f"rename_{list_id}", icon=":material/edit:"):
            try:
                renamed = rename_list(workspace, name, new_name)
            except OperationError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state["lists_flash"] = f"Renamed to {md_escape(renamed.name)}."
                st.rerun()
        if not st.session_state.get(confirm_key):
            if st.button("Delete this list", key=f"delete_{list_id}", icon=":material/delete:"):
                st.session_state[confirm_key] = True
                st.rerun()
            return
        st.warning(f"Delete this list and its {row['members']:,} memberships? The people stay in the lead store.",
                   icon=":material/warning:")
        yes, no = st.columns(2)
        if yes.button("Yes, delete it", key=f"delete_confirm_{list_id}", type="primary", icon=":material/delete:"):
            st.session_state.pop(confirm_key, None)
            try:
                delete_list(workspace, name)
            except OperationError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state["lists_flash"] = f"Deleted the list ({row['members']:,} memberships removed)."
                st.rerun()
        if no.button("Cancel", key=f"delete_cancel_{list_id}"):
            st.session_state.pop(confirm_key, None)
            st.rerun()
