"""Campaign copy: write and edit each step with merge tokens, see the linter's findings and a preview
against a sample lead, and send the campaign to the client's review."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.domain.copy_linter import KNOWN_TOKENS, preview
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.review import campaigns, list_drafts, save_step, send_campaign_to_review
from outsignal_pipelines.operations.workspaces import list_workspaces
from streamlit_portal.services.plain import md_escape, quoted

st.title("Campaign copy")
if flash := st.session_state.pop("copy_flash", None):
    st.success(flash)
workspaces = {w.name: w.slug for w in list_workspaces()}
if not workspaces:
    st.info("No workspaces yet.")
    st.stop()
workspace = workspaces[st.selectbox("Workspace", list(workspaces), key="copy_workspace")]
existing = campaigns(workspace)
names = [c["campaign"] for c in existing]
NEW = "New campaign…"
choice = st.selectbox("Campaign", [NEW, *names], key=f"copy_campaign_{workspace}")
campaign = st.text_input("Campaign name", key=f"copy_new_{workspace}") if choice == NEW else choice
if not campaign:
    st.info("Name the campaign to write its first step.")
    st.stop()

drafts = list_drafts(workspace, campaign)
status = next((c["status"] for c in existing if c["campaign"] == campaign), "draft")
st.caption(f"Status: `{status}` · tokens: " + " ".join(f"`{{{t}}}`" for t in sorted(KNOWN_TOKENS)))

for draft in drafts:
    with st.container(border=True):
        st.markdown(f"**Step {draft.step}** · `{draft.status}` · v{draft.version}"
                    + (f" · wait {draft.wait_days} day(s)" if draft.step > 1 else ""))
        if draft.feedback:
            quoted("Client feedback", draft.feedback, ":material/feedback:")
        editable = draft.status in ("draft", "rejected")
        with st.form(f"step_{workspace}_{campaign}_{draft.step}"):
            subject = st.text_input("Subject", draft.subject or "", disabled=not editable,
                                    key=f"subject_{workspace}_{campaign}_{draft.step}")
            body = st.text_area("Body", draft.body, height=160, disabled=not editable,
                                key=f"body_{workspace}_{campaign}_{draft.step}")
            wait = st.number_input("Wait days before this step", min_value=1, value=max(draft.wait_days, 1),
                                   disabled=not editable or draft.step == 1, key=f"wait_{workspace}_{campaign}_{draft.step}")
            if st.form_submit_button("Save step", disabled=not editable):
                try:
                    save_step(workspace, campaign, draft.step, subject, body, int(wait))
                except OperationError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
        findings = draft.findings()
        for f in findings:
            (st.error if f.severity == "error" else st.warning)(f"{f.rule}: {f.message}")
        if not findings:
            st.success("Copy passes every rule.")
        with st.expander("Preview with a sample lead"):
            st.markdown(f"**{md_escape(preview(draft.subject or ''))}**")
            st.text(preview(draft.body))

if status in ("draft", "mixed") or not drafts:
    with st.form(f"new_step_{workspace}_{campaign}"):
        st.markdown(f"**Add step {len(drafts) + 1}**")
        subject = st.text_input("Subject", key=f"new_subject_{workspace}_{campaign}")
        body = st.text_area("Body", key=f"new_body_{workspace}_{campaign}")
        wait = st.number_input("Wait days", min_value=1, value=3 if drafts else 1, key=f"new_wait_{workspace}_{campaign}")
        if st.form_submit_button("Add step"):
            try:
                save_step(workspace, campaign, len(drafts) + 1, subject, body, int(wait))
            except OperationError as exc:
                st.error(str(exc))
            else:
                st.rerun()

if drafts and status == "draft":
    if st.button("Send to Client Review", key=f"send_copy_{workspace}_{campaign}"):
        try:
            send_campaign_to_review(workspace, campaign)
        except OperationError as exc:
            st.error(str(exc))
        else:
            st.session_state["copy_flash"] = f"{md_escape(campaign)} is now in the client's review"
            st.rerun()
elif status == "review":
    st.info("Waiting for the client's decision in the portal.")
