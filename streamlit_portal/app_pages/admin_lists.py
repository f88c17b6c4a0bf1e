"""Lists: a table of every list (of one workspace, or all) with its members and enrichment coverage,
then one chosen list in full: its coverage and ICP score distribution, scores in bands with reasons,
and every step of the workflow as a button: import, enrich, score (each with its cost first), export
(CSV download or EmailBison), send to review, deploy, rename and delete. Only the chosen list's detail
is asked for and drawn, so the page answers as fast with twenty lists as with one."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from outsignal_pipelines.domain.icp_rules import BAND_RANGES
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.estimates import enrichment_estimate
from outsignal_pipelines.operations.export import gate_summary
from outsignal_pipelines.operations.lists import list_overview
from outsignal_pipelines.operations.run_requests import list_requests
from outsignal_pipelines.operations.review import approvals, rework_list, send_list_to_review
from outsignal_pipelines.operations.scoring import list_scores, score_distribution
from outsignal_pipelines.operations.search import freshness
from outsignal_pipelines.operations.workspaces import list_workspaces
from streamlit_portal.services.charts import bar_chart
from streamlit_portal.services.list_actions import SHOW_LIST, import_panel, manage_panel, score_button
from streamlit_portal.services.panels import opened
from streamlit_portal.services.plain import md_escape, quoted
from streamlit_portal.services.runs import deploy, run_with_progress
from streamlit_portal.services.tables import readable

BAND_COLOR = {"green": "green", "amber": "orange", "grey": "gray", "unscored": "gray"}
BAND_LABEL = {b: f":{BAND_COLOR[b]}[:material/circle:] {label}" for b, label in BAND_RANGES.items()}  # Markdown
CHOSEN = "lists_chosen"        # the list picker's key: which list's detail the page shows
REMEMBERED = "lists_remembered"  # the same choice, kept while the admin is on another page
TABLE_COLUMNS = ["list_name", "workspace", "status", "members", "with_email", "with_linkedin", "with_domain",
                 "verified_valid", "needs_verification"]

st.title("Lists")
if flash := st.session_state.pop("lists_flash", None):
    st.success(flash, icon=":material/check_circle:")

workspaces = {w.name: w.slug for w in list_workspaces()}
names = {slug: name for name, slug in workspaces.items()}
choice = st.selectbox("Workspace", ["All workspaces", *workspaces], key="lists_workspace")
overview = list_overview(None if choice == "All workspaces" else workspaces[choice])
stats = overview.rows
if stats and overview.as_of is not None:
    st.caption(f"Counts: {freshness(overview.as_of)}")
import_panel(workspaces, expanded=not stats)

if not stats:
    st.info("No lists yet. Create one from People search (select people, then add them to a new list), "
            "or import a CSV into a list above.", icon=":material/playlist_add:")
    st.stop()


def enrich_button(workspace: str, list_name: str, list_id: str) -> None:
    """Enrichment is paid: the button carries the estimate, and clicking it is the confirmation."""
    estimate = enrichment_estimate(workspace, list_name)
    label = (f"Enrich and verify (about ${estimate['estimated_cost_usd']:.2f}; "
             f"${estimate['spent_today_usd']:.2f} of ${estimate['daily_cap_usd']:.2f} spent today)")
    if st.button(label, key=f"enrich_{list_id}", icon=":material/bolt:"):
        request = run_with_progress(workspace, "enrich", list_name)
        if request is not None and request.status == "complete":
            s = request.summary
            st.session_state["lists_flash"] = (
                f"Enriched {md_escape(list_name)}: {s.get('emails_found', 0)} emails found, {s.get('verified_valid', 0)} verified "
                f"valid; {s.get('paid_calls', 0)} paid calls (${s.get('cost_usd', 0):.2f}), "
                f"{s.get('skipped_by_dedup', 0)} answers reused from the ledger. Dagster run {request.dagster_run_id}.")
            st.rerun()


def export_panel(workspace: str, list_name: str, list_id: str) -> None:
    """The verification gate and both exports, for one list."""
    summary = gate_summary(workspace, list_name)
    cols = st.columns(3)
    cols[0].metric("Ready (verified valid)", summary["ready"])
    cols[1].metric("Need verification", summary["needs_verification"])
    cols[2].metric("Blocked", summary["blocked"])
    if summary["blocked_reasons"]:
        st.caption("Excluded: " + "; ".join(f"{n} × {r}" for r, n in summary["blocked_reasons"].items()))
    if summary["state"] == "needs_verification":
        st.warning(f"Export is locked until {summary['needs_verification']} members are verified "
                   f"(about ${summary['verify_cost_estimate_usd']:.2f}): enrich and verify the list above.")
        return
    left, right = st.columns(2)
    ready_file = st.session_state.get(f"export_file_{list_id}")
    if left.button(f"Export CSV ({summary['ready']} leads)", key=f"export_csv_{list_id}", icon=":material/download:"):
        request = run_with_progress(workspace, "export", list_name, {"to": "csv"})
        if request is not None and request.status == "complete":
            ready_file = st.session_state[f"export_file_{list_id}"] = request.summary["file"]
    if ready_file and Path(ready_file).exists():
        left.download_button(f"Download {Path(ready_file).name}", Path(ready_file).read_bytes(),
                             file_name=Path(ready_file).name, mime="text/csv", key=f"download_csv_{list_id}")
    if right.button("Export to EmailBison", key=f"export_eb_{list_id}", icon=":material/send:"):
        request = run_with_progress(workspace, "export", list_name, {"to": "emailbison"})
        if request is not None and request.status == "complete":
            result = request.summary
            st.success(f"{result['exported']} leads attached to EmailBison campaign "
                       f"{result['campaign_name']!r} (id {result['campaign_id']}); "
                       f"{result['excluded']['blocked']} excluded. Dagster run {request.dagster_run_id}.")


def review_panel(row: dict) -> None:
    """The list's place in the client-review lifecycle, with the one action its status allows."""
    list_id, status = row["list_id"], row["status"]
    if status == "building":
        if st.button("Send to Client Review", key=f"send_review_{list_id}"):
            try:
                send_list_to_review(row["workspace_slug"], row["list_name"])
            except OperationError as exc:
                st.error(str(exc))
            else:
                st.session_state["lists_flash"] = f"{md_escape(row['list_name'])} is now pending the client's review"
                st.rerun()
    elif status == "pending_review":
        st.info("Waiting for the client's decision in the portal.")
    elif status == "rejected":
        if st.button("Rework (back to building)", key=f"rework_{list_id}"):
            rework_list(row["workspace_slug"], row["list_name"])
            st.rerun()
    elif status in ("approved", "deployed"):
        from outsignal_pipelines.operations.review import campaigns as copy_campaigns

        approved_copy = [c["campaign"] for c in copy_campaigns(row["workspace_slug"]) if c["status"] == "approved"]
        copy = st.selectbox("With approved copy", ["(leads only)", *approved_copy], key=f"deploy_copy_{list_id}")
        if status == "approved" and st.button("Deploy to EmailBison", key=f"deploy_{list_id}", type="primary"):
            record = deploy(row["workspace_slug"], row["list_name"], None if copy == "(leads only)" else copy)
            if record is not None:
                st.session_state["lists_flash"] = (
                    f"Deploy {record['id']} ({record['path'].replace('_', ' ')}) is {record['status']} "
                    f"(run request #{record['request_id']}).")
                st.rerun()
    from outsignal_pipelines.operations.review import deploys as deploy_history

    history = deploy_history(row["workspace_slug"], list_id)
    if history:
        st.dataframe(pl.DataFrame(history).select("id", "status", "path", "campaign_name", "lead_count", "step_count",
                                                  "emailbison_campaign_id", "error", "created_at"),
                     hide_index=True, width="stretch", key=f"deploys_{list_id}")
    history = approvals(row["workspace_slug"], list_id)
    for decision in history[-3:]:
        line = f"{decision['created_at']:%Y-%m-%d %H:%M} {md_escape(decision['approver_email'])} {decision['decision']}"
        if decision["feedback"]:
            quoted(line, decision["feedback"], ":material/feedback:")  # the client's words, shown as typed
        else:
            st.caption(line)


def workspace_name(row: dict) -> str:
    return names.get(row["workspace_slug"], row["workspace_slug"])


def lists_table(rows: list[dict]) -> pl.DataFrame:
    """One row per list, in words: its name and workspace as typed (a table cell is never Markdown),
    its status, members and how many of them have each field."""
    frame = pl.DataFrame(rows).with_columns(pl.Series("workspace", [workspace_name(r) for r in rows], pl.String),
                                            pl.col("status").str.replace_all("_", " "))
    return readable(frame, TABLE_COLUMNS)


def choose_list(rows: list[dict]) -> dict:
    """The list whose detail is shown: the one picked before (across reruns and page visits), or one an
    action asked to show (an import's list), else the first. A list renamed keeps its place (the choice
    is its id); a list deleted, or outside the workspace picked, gives way to the first."""
    by_id = {r["list_id"]: r for r in rows}
    wanted = st.session_state.pop(SHOW_LIST, None)
    if wanted in by_id:
        st.session_state[CHOSEN] = wanted
    elif st.session_state.get(CHOSEN) not in by_id:
        remembered = st.session_state.get(REMEMBERED)
        st.session_state[CHOSEN] = remembered if remembered in by_id else rows[0]["list_id"]

    def label(list_id: str) -> str:
        # Plain text. The same for a list whichever workspace is picked above: the picker keeps its key
        # when its options change, and the browser would go on showing a label it no longer has.
        return f"{by_id[list_id]['list_name']} · {workspace_name(by_id[list_id])}"

    list_id = st.selectbox("List", list(by_id), key=CHOSEN, format_func=label)
    st.session_state[REMEMBERED] = list_id
    return by_id[list_id]


def coverage_bars(row: dict) -> None:
    """How much of the list each field covers, as bars with their counts: plain progress bars are drawn at
    once, where a chart of four numbers cost the page more than everything else on it together."""
    st.caption("Enrichment coverage")
    members = row["members"]
    for label, field in (("Email", "with_email"), ("LinkedIn", "with_linkedin"), ("Company domain", "with_domain"),
                         ("Verified valid", "verified_valid")):
        count = row[field]
        st.progress(count / members, text=f"{label}: {count:,} of {members:,} ({count / members:.0%})")


def list_detail(row: dict) -> None:
    """Everything about one list: the only place the page asks for per-list answers."""
    st.markdown(f"**{md_escape(row['list_name'])}** · {md_escape(workspace_name(row))} · `{row['status']}` · "
                f"{row['members']:,} members")
    if not row["members"]:
        st.info("No members yet: add people from People search, or import a CSV into this list above.",
                icon=":material/group_add:")
    else:
        enrich_col, score_col = st.columns(2)
        with enrich_col:
            enrich_button(row["workspace_slug"], row["list_name"], row["list_id"])
        with score_col:
            score_button(row)
        left, right = st.columns(2)
        with left:
            coverage_bars(row)
        bands, histogram = score_distribution(row["list_id"], row["workspace_slug"])
        with right:
            st.caption("ICP score distribution · " + " · ".join(f"{BAND_LABEL[b]}: {bands[b]}" for b in BAND_RANGES))
            if bands["unscored"]:
                st.caption(f"{bands['unscored']} members not scored yet")
            if bands["unscored"] == row["members"]:
                st.info("Not scored yet.", icon=":material/insights:")
            else:
                bar_chart(pl.DataFrame({"score": list(histogram), "people": list(histogram.values())}), "score",
                          "people", x_type="ordinal", x_title="ICP score", in_data_order=True, height=200)
        if row["needs_verification"]:
            st.caption(f"{row['needs_verification']} emails still need verification")
        # Its key keeps the panel open across the rerun an export makes (the download button is in it).
        if panel := opened("Verification gate and export", f"lists_export_panel_{row['list_id']}"):
            with panel:
                export_panel(row["workspace_slug"], row["list_name"], row["list_id"])
    review_panel(row)
    manage_panel(row)
    # The runs and the scores are read and drawn only while their panel is open.
    if panel := opened("Runs (Dagster runs of this list's partition)", f"lists_runs_{row['list_id']}"):
        with panel:
            runs_table(row["list_id"])
    if row["members"] and (panel := opened("Members by ICP score", f"lists_scores_{row['list_id']}")):
        with panel:
            scores_table(row)


def runs_table(list_id: str) -> None:
    runs = list_requests(list_id=list_id, limit=20)
    if not runs:
        st.caption("No runs yet: enrich, score, export or deploy this list and it shows here.")
        return
    st.dataframe(pl.DataFrame([{
        "request": r.id, "what": r.kind, "status": r.status, "asked by": r.requested_by,
        "Dagster run": r.dagster_run_id, "asked at": r.created_at, "finished at": r.finished_at,
        "error": r.error} for r in runs]), hide_index=True, width="stretch", key=f"runs_{list_id}")


def scores_table(row: dict) -> None:
    scores = list_scores(row["list_id"], row["workspace_slug"], limit=200)
    scores = scores.with_columns(pl.col("band").replace_strict(BAND_RANGES, return_dtype=pl.String))
    st.dataframe(readable(scores, ["band", "score", "name", "job_title", "company_name", "email_status",
                                   "confidence", "scorer", "reasoning"], {"score": "Not scored"}),
                 hide_index=True, width="stretch", key=f"scores_{row['list_id']}",
                 column_config={"Why this score": st.column_config.TextColumn(width="large")})


st.dataframe(lists_table(stats), hide_index=True, width="stretch", key="lists_table")
chosen = choose_list(stats)
with st.container(border=True):
    list_detail(chosen)
