"""People search over the lead_search model, with filters and pagination."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.domain.vocabulary import EMAIL_STATUSES, SENIORITIES, VERTICALS
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.search import ENRICHMENT_STATUSES, PeopleQuery, search_people
from outsignal_pipelines.operations.workspaces import list_workspaces

st.title("People")

workspaces = list_workspaces()
ws_options = {"All workspaces": None} | {w.name: w.slug for w in workspaces}

with st.sidebar:
    st.header("Filters")
    ws_label = st.selectbox("Workspace", list(ws_options), key="people_workspace")
    verticals = st.multiselect("Vertical", VERTICALS, key="people_verticals")
    seniorities = st.multiselect("Seniority", SENIORITIES, key="people_seniorities")
    enrichment = st.selectbox("Enrichment", ["any", *ENRICHMENT_STATUSES], key="people_enrichment")
    email_status = st.selectbox("Email status", ["any", *EMAIL_STATUSES], key="people_email_status")
    page_size = st.selectbox("Page size", [25, 50, 100, 200], index=1, key="people_page_size")

text = st.text_input("Search name, email, company or title", key="people_text", placeholder="e.g. cto, acme, jane")

query = PeopleQuery(
    text=text or None, workspace=ws_options[ws_label], verticals=verticals, seniorities=seniorities,
    enrichment_status=None if enrichment == "any" else enrichment,
    email_status=None if email_status == "any" else email_status,
    page=1, page_size=page_size,
)
try:
    total = search_people(query).total
except OperationError as exc:
    st.error(str(exc))
    st.stop()

pages = max(1, -(-total // page_size))
page = st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1, key="people_page")
query.page = int(page)
result = search_people(query)

st.caption(f"{result.total:,} people match")
if result.total == 0:
    st.info("No people match these filters. Clear a filter or search for something broader.")
else:
    st.dataframe(
        result.rows, hide_index=True, width="stretch", key="people_results",
        column_config={"linkedin_url": st.column_config.LinkColumn("LinkedIn"),
                       "person_id": st.column_config.NumberColumn("ID", format="%d")},
    )
