"""People search: filters in the sidebar, live counts, pagination, and selected rows (or all N
matching) added to a list."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.domain.vocabulary import EMAIL_STATUSES, SENIORITIES, VERTICALS
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.lists import add_people, add_search_results, create_list, list_lists
from outsignal_pipelines.operations.search import ENRICHMENT_STATUSES, PeopleQuery, freshness, search_people
from outsignal_pipelines.operations.workspaces import list_workspaces
from streamlit_portal.services.panels import opened
from streamlit_portal.services.plain import md_escape

st.title("People")

workspaces = list_workspaces()
ws_options = {"All workspaces": None} | {w.name: w.slug for w in workspaces}

# The filters people change less often are in a panel drawn only while it is open: fifteen widgets in the
# sidebar cost every visit of the page ~150 ms in the browser. Their values are kept while it is closed.
MORE_FILTERS = {"people_title": "", "people_location": "", "people_company": "", "people_hc_min": 0,
                "people_hc_max": 0, "people_enrichment": "any", "people_email_status": "any",
                "people_verified": False, "people_min_icp": 0, "people_page_size": 50}


def kept(key: str) -> object:
    """A filter's value, drawn or not: the widget's own while it is drawn, else the one it last had."""
    return st.session_state.get(key, st.session_state.get(f"{key}__kept", MORE_FILTERS[key]))


def more_filters(workspace: str | None) -> None:
    for key in MORE_FILTERS:   # the panel reopened: each widget starts from the value it had
        if key not in st.session_state:
            st.session_state[key] = kept(key)
    st.text_input("Title contains", key="people_title")
    st.text_input("Location contains", key="people_location")
    st.text_input("Company contains", key="people_company")
    col1, col2 = st.columns(2)
    col1.number_input("Staff from", min_value=0, key="people_hc_min")
    col2.number_input("Staff to (0 = any)", min_value=0, key="people_hc_max")
    st.selectbox("Enrichment", ["any", *ENRICHMENT_STATUSES], key="people_enrichment")
    st.selectbox("Email status", ["any", *EMAIL_STATUSES], key="people_email_status")
    st.checkbox("Only verified emails", key="people_verified")
    st.slider("Minimum ICP score", 0, 100, key="people_min_icp", disabled=workspace is None,
              help="Scores are per workspace: choose one first")
    st.selectbox("Page size", [25, 50, 100, 200], key="people_page_size")
    for key in MORE_FILTERS:
        st.session_state[f"{key}__kept"] = st.session_state[key]


with st.sidebar:
    st.header("Filters")
    ws_label = st.selectbox("Workspace", list(ws_options), key="people_workspace")
    workspace = ws_options[ws_label]
    verticals = st.multiselect("Vertical", VERTICALS, key="people_verticals")
    seniorities = st.multiselect("Seniority", SENIORITIES, key="people_seniorities")
    lists = list_lists(workspace) if workspace else []
    list_names = {t.name: t.id for t in lists}
    member_of = st.selectbox("On list", ["any", *list_names], key="people_in_list", disabled=not lists)
    if panel := opened("More filters", "people_more_filters", icon=":material/tune:"):
        with panel:
            more_filters(workspace)
    else:
        changed = [k for k, default in MORE_FILTERS.items() if kept(k) != default]
        if changed:
            st.caption(f"{len(changed)} more filter{'s' if len(changed) > 1 else ''} set")
    title, location, company = kept("people_title"), kept("people_location"), kept("people_company")
    hc_min, hc_max = kept("people_hc_min"), kept("people_hc_max")
    enrichment, email_status = kept("people_enrichment"), kept("people_email_status")
    verified_only, min_icp, page_size = kept("people_verified"), kept("people_min_icp"), kept("people_page_size")

text = st.text_input("Search name, email, company or title", key="people_text", placeholder="e.g. cto, acme, jane")
query = PeopleQuery(
    text=text or None, workspace=workspace, verticals=verticals, seniorities=seniorities, title_contains=title or None,
    location=location or None, company=company or None, headcount_min=int(hc_min) or None,
    headcount_max=int(hc_max) or None, enrichment_status=None if enrichment == "any" else enrichment,
    email_status=None if email_status == "any" else email_status, has_verified_email=True if verified_only else None,
    min_icp_score=int(min_icp) if workspace and min_icp else None,
    in_list=list_names.get(member_of) if member_of != "any" else None, page=1, page_size=page_size,
    sort="icp" if workspace else "name",
)
try:
    result = search_people(query)
except OperationError as exc:
    st.error(str(exc))
    st.stop()

pages = max(1, -(-result.total // page_size))
page = st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1, key="people_page")
if int(page) != 1:
    query.page = int(page)
    result = search_people(query)
st.caption(f"{result.total:,} people match" + (f" · {freshness(result.as_of)}" if result.as_of else ""))
if result.total == 0:
    st.info("No people match these filters. Clear a filter or search for something broader.")
    st.stop()

selection = st.dataframe(
    result.rows, hide_index=True, width="stretch", key="people_results", on_select="rerun", selection_mode="multi-row",
    column_config={"linkedin_url": st.column_config.LinkColumn("LinkedIn"),
                   "person_id": st.column_config.NumberColumn("ID", format="%d"),
                   "icp_score": st.column_config.ProgressColumn("ICP", min_value=0, max_value=100, format="%d")},
)
selected_rows = selection.selection.rows if selection and selection.selection else []
selected_ids = [int(result.rows["person_id"][i]) for i in selected_rows]

if workspace is None:
    st.caption("Choose a workspace to add people to one of its lists.")
    st.stop()
with st.container(border=True):
    st.markdown(f"**Add to a list** · {len(selected_ids)} selected on this page · {result.total:,} matching")
    target = st.selectbox("List", ["New list…", *list_names], key="people_target_list")
    new_name = st.text_input("New list name", key="people_new_list") if target == "New list…" else None
    col1, col2 = st.columns(2)
    add_selected = col1.button(f"Add {len(selected_ids)} selected", key="people_add_selected",
                               disabled=not selected_ids)
    add_all = col2.button(f"Add all {result.total:,} matching", key="people_add_all")
    if add_selected or add_all:
        try:
            name = target if target != "New list…" else create_list(workspace, new_name or "")[0].name
            outcome = add_people(workspace, name, selected_ids) if add_selected else add_search_results(workspace, name, query)
        except OperationError as exc:
            st.error(str(exc))
        else:
            st.success(f"{outcome['added']} added to '{md_escape(name)}' ({outcome.get('already_on_list', 0)} were already on it)")
