"""Lists with their enrichment coverage (email, LinkedIn, domain, verified)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from outsignal_pipelines.operations.workspaces import list_workspaces
from outsignal_pipelines.store import query_df

st.title("Lists")

workspaces = {w.name: w.slug for w in list_workspaces()}
choice = st.selectbox("Workspace", ["All workspaces", *workspaces], key="lists_workspace")
stats = query_df("SELECT * FROM list_stats ORDER BY workspace_slug, list_name")
if choice != "All workspaces":
    stats = stats.filter(pl.col("workspace_slug") == workspaces[choice])

if stats.is_empty():
    st.info("No lists yet. Import a CSV with `--list NAME`, or create one from People search.")
    st.stop()

for row in stats.to_dicts():
    with st.container(border=True):
        st.markdown(f"**{row['list_name']}** · {row['workspace_slug']} · `{row['status']}` · {row['members']:,} members")
        members = max(row["members"], 1)
        coverage = pl.DataFrame({
            "field": ["email", "LinkedIn", "company domain", "verified valid"],
            "share": [row["with_email"] / members, row["with_linkedin"] / members, row["with_domain"] / members,
                      row["verified_valid"] / members],
        })
        st.bar_chart(coverage.to_pandas(), x="field", y="share", horizontal=True, height=180, x_label="",
                     y_label="share of members")
        if row["needs_verification"]:
            st.caption(f"{row['needs_verification']} emails still need verification")
