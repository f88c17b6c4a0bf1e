"""Companies search by name, domain, vertical and headcount."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.domain.vocabulary import VERTICALS
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.search import CompanyQuery, freshness, search_companies

st.title("Companies")
text = st.text_input("Search name or domain", key="companies_text")
col1, col2, col3 = st.columns([2, 1, 1])
verticals = col1.multiselect("Vertical", VERTICALS, key="companies_verticals")
hc_min = col2.number_input("Staff from", min_value=0, value=0, key="companies_hc_min")
hc_max = col3.number_input("Staff to (0 = any)", min_value=0, value=0, key="companies_hc_max")
try:
    result = search_companies(CompanyQuery(text=text or None, verticals=verticals, headcount_min=int(hc_min) or None,
                                           headcount_max=int(hc_max) or None, page_size=100))
except OperationError as exc:
    st.error(str(exc))
    st.stop()
st.caption(f"{result.total:,} companies match (showing up to 100)"
           + (f" · {freshness(result.as_of)}" if result.as_of else ""))
if result.total == 0:
    st.info("No companies match. Clear a filter or search for something broader.")
else:
    st.dataframe(result.rows, hide_index=True, width="stretch", key="companies_results",
                 column_config={"website": st.column_config.LinkColumn("website")})
