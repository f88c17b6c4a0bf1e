"""Admin home: how many leads each client workspace has and how complete they are."""

from __future__ import annotations

import polars as pl
import streamlit as st

from outsignal_pipelines.operations.search import freshness
from outsignal_pipelines.operations.stats import workspace_overview
from streamlit_portal.services.charts import bar_chart

st.title("Outsignal Lead Engine")
st.caption("Leads per client workspace, and how much of each is ready to send.")

overview = workspace_overview()
rows = overview.rows
if not rows:
    st.info("No workspaces yet. Run `outsignal seed-demo` for demo data, or "
            "`outsignal workspace add SLUG --name NAME` then `outsignal import FILE.csv --workspace SLUG`.")
    st.stop()

df = pl.DataFrame(rows)
total_people = int(df["people"].sum())
cols = st.columns(4)
cols[0].metric("Workspaces", len(rows))
cols[1].metric("People (across workspaces)", f"{total_people:,}")
cols[2].metric("With email", f"{int(df['with_email'].sum()):,}")
cols[3].metric("Verified valid", f"{int(df['verified_valid'].sum()):,}")
if overview.as_of is not None:
    st.caption(f"Counts: {freshness(overview.as_of)}")

st.subheader("Enrichment coverage by workspace")
if total_people == 0:
    st.info("The workspaces have no people yet. Import a CSV to get started.")
else:
    long = (
        df.select("workspace_name", "enrichment_full", "enrichment_partial", "enrichment_missing")
        .unpivot(index="workspace_name", variable_name="status", value_name="people")
        .with_columns(pl.col("status").str.replace("enrichment_", ""))
    )
    bar_chart(long, "workspace_name", "people", color="status", x_title="workspace")

st.subheader("Workspaces")
st.dataframe(
    df.select(
        pl.col("workspace_name").alias("Workspace"), pl.col("workspace_slug").alias("Slug"),
        pl.col("people").alias("People"), pl.col("with_email").alias("With email"),
        pl.col("verified_valid").alias("Verified"), pl.col("with_linkedin").alias("With LinkedIn"),
        pl.col("lists").alias("Lists"),
    ),
    hide_index=True, width="stretch", key="home_workspaces",
)
