"""The client portal: sign in with a magic link, review the leads and the copy waiting for you,
approve or reject with feedback, follow the deployment and its results (sent, replies, interested,
meetings). The workspace is never taken from the
URL or the page: only from the server-side session the link opened."""

from __future__ import annotations

import polars as pl
import streamlit as st

from outsignal_pipelines.domain.copy_linter import preview
from outsignal_pipelines.domain.icp_rules import BAND_RANGES
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.auth import consume_magic_link, request_magic_link
from outsignal_pipelines.operations.portal import (
    copy_for_review,
    decide_copy,
    decide_list,
    deployments,
    lists_for_review,
    masthead,
    results,
)
from streamlit_portal.services import sessions
from streamlit_portal.services.errors import report
from streamlit_portal.services.plain import md_escape
from streamlit_portal.services.tables import readable

token = st.query_params.get("token")
if token:
    st.query_params.clear()  # the token leaves the address bar at once
    try:
        sessions.remember("client", consume_magic_link(token, previous=sessions.token("client")))
    except OperationError as exc:
        st.session_state["portal_flash_error"] = str(exc)
    st.rerun()

if error := st.session_state.pop("portal_flash_error", None):
    st.error(error)
if flash := st.session_state.pop("portal_flash", None):
    st.success(flash)

me = sessions.identity("client")  # this tab's session, or the browser's cookie after a reload
brand = masthead(sessions.token("client") if me is not None else None)
st.set_page_config(page_title=f"{brand['agency']} · Client portal")  # the browser tab names the agency too
if me is None:
    st.caption(f":material/handshake: {md_escape(brand['agency'])}")
    st.title("Client portal")
    st.write(f"Enter the email address {md_escape(brand['agency'])} has on file; we will send you a sign-in link.")
    with st.form("portal_sign_in"):
        email = st.text_input("Work email", key="portal_email")
        asked = st.form_submit_button("Email me a sign-in link")
    if asked:
        try:
            result = request_magic_link(email, sessions.browser_key())
        except OperationError as exc:
            st.error(str(exc))
        except Exception as exc:  # noqa: BLE001 - e.g. the store is locked: a plain message with a reference
            report(exc, "portal sign-in")
        else:
            st.success(result["message"])
    st.stop()

st.caption(f":material/handshake: {md_escape(brand['agency'])} · Signed in as {me.email}")
st.title(f"{md_escape(brand['workspace'])}: your review")
left, right = st.columns([1, 8])
if left.button("Refresh", key="portal_refresh", icon=":material/refresh:"):
    st.rerun()
if right.button("Sign out", key="portal_sign_out", icon=":material/logout:"):
    sessions.forget("client")
    st.rerun()


def decide(kind: str, ident: str, decision: str, feedback: str) -> None:
    try:
        if kind == "list":
            result = decide_list(st.session_state.get("portal_session"), ident, decision, feedback)
        else:
            result = decide_copy(st.session_state.get("portal_session"), ident, decision, feedback)
    except OperationError as exc:
        st.error(str(exc))
    else:
        st.session_state["portal_flash"] = f"Thank you: {md_escape(ident if kind == 'copy' else result['list'])} {decision}."
        st.rerun()


cards = lists_for_review(st.session_state["portal_session"])
campaigns = copy_for_review(st.session_state["portal_session"])
if not cards and not campaigns:
    st.info("Nothing is waiting for your review right now. We will email you when there is.")

for card in cards:
    summary = card["summary"]
    with st.container(border=True):
        st.subheader(f"Review Leads · {md_escape(card['name'])}")
        cols = st.columns(4)
        cols[0].metric("Leads", summary["members"])
        cols[1].metric("Verified email", f"{summary['verified_share']:.0%}")
        cols[2].metric("Email coverage", f"{summary['email_coverage']:.0%}")
        cols[3].metric("LinkedIn coverage", f"{summary['linkedin_coverage']:.0%}")
        bands = summary["icp_bands"]
        # Best fit first, in the bands' own order (not alphabetical): ≥70, 40–69, <40, unscored.
        st.bar_chart(pl.DataFrame({"Fit": list(BAND_RANGES.values()),
                                   "Leads": [bands[b] for b in BAND_RANGES]}).to_pandas(),
                     x="Fit", y="Leads", height=180, sort=False)
        st.markdown("**Top 10 leads by ICP score**")
        st.dataframe(readable(pl.DataFrame(card["top"]), ["name", "job_title", "company_name", "score", "reasoning"],
                              {"score": "Not scored"}),
                     hide_index=True, width="stretch", key=f"top_{card['id']}")
        feedback = st.text_area("Feedback (optional)", key=f"list_feedback_{card['id']}")
        left, right = st.columns(2)
        if left.button("Approve List", key=f"approve_list_{card['id']}", type="primary"):
            decide("list", card["id"], "approved", feedback)
        if right.button("Reject List", key=f"reject_list_{card['id']}"):
            decide("list", card["id"], "rejected", feedback)

for campaign, drafts in campaigns.items():
    with st.container(border=True):
        st.subheader(f"Review Copy · {md_escape(campaign)}")
        for draft in drafts:
            st.markdown(f"**Step {draft.step}**" + (f" · after {draft.wait_days} day(s)" if draft.step > 1 else ""))
            if draft.subject:
                st.markdown(f"Subject: *{md_escape(preview(draft.subject))}*")
            st.text(preview(draft.body))
        feedback = st.text_area("Feedback (optional)", key=f"copy_feedback_{campaign}")
        left, right = st.columns(2)
        if left.button("Approve Copy", key=f"approve_copy_{campaign}", type="primary"):
            decide("copy", campaign, "approved", feedback)
        if right.button("Reject Copy", key=f"reject_copy_{campaign}"):
            decide("copy", campaign, "rejected", feedback)

history = deployments(st.session_state["portal_session"])
numbers = results(st.session_state["portal_session"])
if numbers["sent"]:
    st.subheader("Results")
    cols = st.columns(4)
    for col, (label, key) in zip(cols, (("Emails sent", "sent"), ("Replies", "replies"),
                                        ("Interested", "interested"), ("Meetings", "meetings"))):
        col.metric(label, f"{numbers[key]:,}")
elif history:
    st.caption(":material/hourglass_empty: Results (replies, interested leads, meetings) show here once your "
               "campaign starts sending.")
if history:
    st.subheader("Deployment")
    icons = {"pending": ":material/schedule:", "running": ":material/rocket_launch:",
             "complete": ":green[:material/check_circle:]", "failed": ":orange[:material/warning:]"}
    for deploy in history[:5]:
        detail = (f" — {deploy['lead_count']} leads, {deploy['step_count']} steps in EmailBison"
                  if deploy["status"] == "complete" else f" — {md_escape(deploy['error'])}" if deploy["error"] else "")
        st.markdown(f"{icons.get(deploy['status'], '')} **{md_escape(deploy['campaign_name'])}**: deployment "
                    f"{deploy['status']}{detail}")
    st.dataframe(readable(pl.DataFrame(history), ["campaign_name", "status", "lead_count", "step_count", "created_at",
                                                  "finished_at", "error"]),
                 hide_index=True, width="stretch", key="portal_deploys")
