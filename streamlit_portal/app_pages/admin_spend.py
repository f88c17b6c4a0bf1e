"""Provider spend: what each provider cost per day, and each workspace's spend against its daily cap."""

from __future__ import annotations

import polars as pl
import streamlit as st

from outsignal_pipelines.operations.spend import cap_status, daily_spend, reuse_today
from streamlit_portal.services.charts import bar_chart

st.title("Spend")
st.caption("Every paid provider call is in the ledger; answers already bought are never paid for again.")

days = st.selectbox("Period", [7, 30, 90], index=1, format_func=lambda d: f"last {d} days", key="spend_days")
spend = daily_spend(days)

caps = cap_status()
if caps:
    st.subheader("Today against the daily cap")
    for row in caps:
        label = f"{row['workspace_name']}: ${row['spent_today_usd']:.2f} of ${row['cap_usd']:.2f}"
        if row["cap_reached"]:
            label += " — cap reached, paid calls stopped"
        st.progress(min(1.0, row["share"]), text=label)

reused = [row for row in reuse_today() if row["skipped_by_dedup"] or row["reused_in_flight"]]
if reused:
    st.subheader("Answers reused today instead of paid for")
    st.dataframe(pl.DataFrame(reused).rename({"workspace_slug": "workspace",
                                              "skipped_by_dedup": "from the ledger",
                                              "reused_in_flight": "from another run in flight"}),
                 hide_index=True, width="stretch", key="spend_reused")

if spend.is_empty():
    st.info("No provider calls yet in this period. Enrich a list (Lists page, Enrich and verify) to see spend here.")
    st.stop()

total = float(spend["cost_usd"].sum())
cols = st.columns(3)
cols[0].metric(f"Spend, last {days} days", f"${total:,.2f}")
cols[1].metric("Paid calls", f"{int(spend['paid_calls'].sum()):,}")
cols[2].metric("Calls (incl. free misses)", f"{int(spend['calls'].sum()):,}")

st.subheader("Daily spend by provider")
bar_chart(spend.with_columns(pl.col("day").cast(pl.String)), "day", "cost_usd", color="provider", x_type="ordinal",
          y_title="USD")
st.subheader("By provider")
by_provider = spend.group_by("provider").agg(pl.col("cost_usd").sum().round(4), pl.col("paid_calls").sum(),
                                             pl.col("calls").sum()).sort("cost_usd", descending=True)
st.dataframe(by_provider, hide_index=True, width="stretch", key="spend_by_provider")
