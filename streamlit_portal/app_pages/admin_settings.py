"""Workspace settings: the ICP in plain words (for the LLM scorer) and as rules (for the rule scorer);
who the clients are and who hears about what; the EmailBison connection (the token is shown masked and
never again in full); auto-deploy, the daily spend cap and the email finder order; and what the results
of deployed lists suggest. Every rule lives in operations.workspaces: a bad value is refused with its
reason and nothing is saved.

Each section is a tab, and only the tab shown is worked out and drawn: the page reruns on every save,
and the sections together were ~45 elements and a calibration over every deployed lead."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.domain.vocabulary import SENIORITIES, VERTICALS
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.scoring import scoring_model, update_icp, workspace_icp
from outsignal_pipelines.operations.workspaces import list_workspaces
from streamlit_portal.services.outcome_suggestions import suggestions_panel
from streamlit_portal.services.workspace_settings import (
    country_codes,
    emailbison_form,
    new_workspace_form,
    people_form,
    run_form,
)

SECTIONS = ["ICP", "Clients and notifications", "EmailBison", "Enrichment and deploy", "Learned from results"]


def icp_form(slug: str) -> None:
    try:
        criteria, rules = workspace_icp(slug)
    except OperationError as exc:
        st.error(str(exc))
        st.stop()
    model = scoring_model()
    st.caption(f"Scores use the LLM scorer ({model})." if model else
               "No LLM configured (OUTSIGNAL_LLM_MODEL): scores use the rule scorer below.")
    with st.form(f"icp_{slug}"):
        text = st.text_area("ICP in plain words", value=criteria, height=120, key=f"icp_text_{slug}")
        seniorities = st.multiselect("Target seniorities", SENIORITIES, default=rules.seniorities,
                                     key=f"icp_sen_{slug}")
        keywords = st.text_input("Title keywords (comma separated)", ", ".join(rules.title_keywords),
                                 key=f"icp_kw_{slug}")
        verticals = st.multiselect("Target verticals", VERTICALS, default=rules.verticals, key=f"icp_vert_{slug}")
        col1, col2 = st.columns(2)
        hc_min = col1.number_input("Headcount from", min_value=0, value=rules.headcount_min or 0,
                                   key=f"icp_hmin_{slug}")
        hc_max = col2.number_input("Headcount to (0 = no limit)", min_value=0, value=rules.headcount_max or 0,
                                   key=f"icp_hmax_{slug}")
        chosen_countries = st.multiselect("Countries", country_codes(), default=rules.countries,
                                          key=f"icp_countries_{slug}")
        exclude = st.text_input("Exclude titles containing (comma separated)", ", ".join(rules.exclude_title_keywords),
                                key=f"icp_excl_{slug}")
        saved = st.form_submit_button("Save ICP", key=f"icp_save_{slug}")
    if saved:
        try:
            update_icp(slug, text, {
                "seniorities": seniorities, "title_keywords": [k for k in keywords.split(",") if k.strip()],
                "verticals": verticals, "headcount_min": int(hc_min) or None, "headcount_max": int(hc_max) or None,
                "countries": chosen_countries,
                "exclude_title_keywords": [k for k in exclude.split(",") if k.strip()],
                "exclude_domains": rules.exclude_domains, "weights": rules.weights,
            })
        except OperationError as exc:
            st.error(str(exc))
        else:
            st.success("ICP saved. To apply it to people already scored, score their lists again on the Lists page.")


st.title("Workspace settings")
workspaces = {w.name: w.slug for w in list_workspaces()}
if not workspaces:
    st.info("No workspaces yet: add the first one below.")
    new_workspace_form(expanded=True)
    st.stop()
name = st.selectbox("Workspace", list(workspaces), key="settings_workspace")
slug = workspaces[name]
if flash := st.session_state.pop("settings_flash", None):
    st.success(flash, icon=":material/check_circle:")

# The tab chosen is kept across saves (each reruns the page) and across workspaces.
tabs = dict(zip(SECTIONS, st.tabs(SECTIONS, key="settings_section", on_change="rerun")))
for section, draw in (("ICP", icp_form), ("Clients and notifications", people_form), ("EmailBison", emailbison_form),
                      ("Enrichment and deploy", run_form), ("Learned from results", suggestions_panel)):
    if tabs[section].open:
        with tabs[section]:
            draw(slug)
st.divider()
new_workspace_form(expanded=False)
