"""Results: what happened after the send, per workspace and per list: sent, bounces, replies, interest
and meetings; reply rate by score band (with its 95% interval), vertical and seniority; whether the
ICP score predicts replies and which rule weights to change; and what a delivered email costs from
each email finder. Suggestions are applied on the Settings page, never here."""

from __future__ import annotations

import polars as pl
import streamlit as st

from outsignal_pipelines.domain.outcome_stats import pct
from outsignal_pipelines.operations.calibration import FACTOR_NAMES, calibrate
from outsignal_pipelines.operations.provider_quality import provider_quality
from outsignal_pipelines.operations.results import workspace_results
from outsignal_pipelines.operations.workspaces import list_workspaces
from streamlit_portal.services.plain import md_escape
from streamlit_portal.services.outcome_views import (
    band_chart,
    labelled,
    provider_chart,
    rate_chart,
    verdict_box,
)

st.title("Results")
st.caption("Replies, bounces and meetings from EmailBison, and what the engine learns from them.")

workspaces = {w.name: w.slug for w in list_workspaces()}
if not workspaces:
    st.info("No workspaces yet: add one on the Settings page.")
    st.stop()
name = st.selectbox("Workspace", list(workspaces), key="results_workspace")
slug = workspaces[name]
overview = workspace_results(slug)
lists = {row["list"]: row["list_id"] for row in overview["lists"]}
if not lists:
    st.info("No deployed lists yet: deploy a list to EmailBison (Lists page) and connect the webhook "
            "(Settings page); replies, bounces and meetings show here as they arrive.")
    st.stop()
chosen = st.selectbox("List", ["All lists", *lists], key="results_list")
list_id = None if chosen == "All lists" else lists[chosen]
data = overview if list_id is None else workspace_results(slug, list_id)
totals = data["totals"]
if not totals["sent"]:
    st.info(f"No events yet for {len(lists)} deployed list(s): connect the EmailBison webhook on the Settings page, "
            "or wait for the first sends; replies, bounces and meetings show here as they arrive.")
    st.stop()

cols = st.columns(6)
cols[0].metric("Sent", f"{totals['sent']:,}")
cols[1].metric("Delivered", f"{totals['delivered']:,}")
cols[2].metric("Bounce rate", pct(totals["bounce_rate"]))
cols[3].metric("Replies", f"{totals['replied']:,}", help=f"{pct(totals['reply_rate'])} of delivered")
cols[4].metric("Interested", f"{totals['interested']:,}")
cols[5].metric("Meetings", f"{totals['meetings']:,}")

if list_id is None and len(data["lists"]) > 1:
    st.subheader("By list")
    st.dataframe(labelled(pl.DataFrame(data["lists"]), ["list", "sent", "delivered", "bounce_rate", "replied",
                                                        "reply_rate", "interested", "meetings"]),
                 hide_index=True, width="stretch", key="results_by_list")

st.subheader("Reply rate by ICP score")
band_chart(data["by"]["score_band"], key="results_band_chart")
left, right = st.columns(2)
with left:
    st.markdown("**By vertical**")
    rate_chart(data["by"]["vertical"], "vertical", key="results_vertical_chart")
with right:
    st.markdown("**By seniority**")
    rate_chart(data["by"]["seniority"], "seniority", key="results_seniority_chart")

st.subheader("Does the score predict replies?")
calibration = calibrate(slug, list_id)
verdict_box(calibration.predictiveness)
advice = pl.DataFrame([{"factor": FACTOR_NAMES[a.factor], "current": a.current, "suggested": a.suggested,
                        "why": a.reason} for a in calibration.factors],
                      schema={"factor": pl.String, "current": pl.Int64, "suggested": pl.Int64, "why": pl.String})
if advice.is_empty():
    st.caption("The workspace's ICP has no rules to weigh yet (Settings page).")
else:
    st.dataframe(labelled(advice, ["factor", "current", "suggested", "why"]), hide_index=True, width="stretch",
                 key="results_weights")
    if calibration.suggested_weights:
        st.caption(":material/tune: Apply the suggested weights on the Settings page. " + calibration.note)

st.subheader("Email finders: cost per delivered email")
quality = provider_quality(slug, list_id)
provider_chart(quality.by_finder, key="results_provider_chart")
st.dataframe(labelled(quality.by_finder, ["finder", "leads", "sent", "delivered", "bounce_rate", "cost_usd", "enough_data",
                                          "cost_per_delivered"]),
             hide_index=True, width="stretch", key="results_providers")
with st.expander("By finder and verification status", icon=":material/table_rows:"):
    st.dataframe(labelled(quality.by_status, ["finder", "email_status", "leads", "sent", "delivered", "bounce_rate",
                                              "found_cost_usd", "cost_per_delivered"]),
                 hide_index=True, width="stretch", key="results_providers_by_status")
order = " → ".join(quality.advice.recommended)
if quality.advice.changes:
    st.caption(f":material/swap_vert: Recommended finder order: {order}. {md_escape(quality.advice.reason)} "
               "Apply it on the Settings page.")
else:
    st.caption(f":material/check: The finder order {order} stays. {md_escape(quality.advice.reason)}")
