"""How outcome numbers look on the Results and Settings pages: readable tables (rates as percentages,
money in dollars) and the charts people would rather look at than read. Layout only: the numbers come
from operations (results, calibration, provider_quality)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from outsignal_pipelines.domain.outcome_stats import Predictiveness
from streamlit_portal.services.plain import md_escape
from streamlit_portal.services.tables import LABELS as TABLE_LABELS
from streamlit_portal.services.tables import readable

LABELS = {
    "list": "List", "leads": "Leads", "sent": "Sent", "delivered": "Delivered", "bounced": "Bounced",
    "bounce_rate": "Bounce rate", "replied": "Replies", "reply_rate": "Reply rate", "interested": "Interested",
    "meetings": "Meetings", "finder": "Email finder", "email_status": "Verification", "cost_usd": "Finder spend",
    "found_cost_usd": "Cost of the finds", "cost_per_delivered": "Cost per delivered email",
    "enough_data": "Enough data to rank", "factor": "Rule", "current": "Points now", "suggested": "Suggested points", "why": "Why",
    "band": "Score band", "vertical": "Vertical", "seniority": "Seniority",
}
RATES = ("bounce_rate", "reply_rate")
MONEY = ("cost_usd", "found_cost_usd", "cost_per_delivered")


def labelled(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`columns` with people's names, rates as '12.3%', money as '$0.0042' and '—' where there is none."""
    if frame.is_empty():
        return pl.DataFrame({LABELS.get(c, c): [] for c in columns})
    out = frame.select(columns).with_columns(
        *[pl.col(c).map_elements(lambda v: f"{v * 100:.1f}%", return_dtype=pl.String).alias(c)
          for c in columns if c in RATES],
        *[pl.col(c).map_elements(lambda v: f"${v:,.4f}", return_dtype=pl.String).alias(c)
          for c in columns if c in MONEY])
    names = {c: LABELS.get(c, TABLE_LABELS.get(c, c)) for c in columns}
    return readable(out.rename(names), list(names.values()))


def _pandas(frame: pl.DataFrame):
    return frame.to_pandas()


def band_chart(rollup: pl.DataFrame | None, key: str) -> None:
    """Reply rate per score band as bars with the 95% interval as a line through each."""
    if rollup is None or rollup.filter(pl.col("delivered") > 0).is_empty():
        st.info("No delivered emails with a score yet.")
        return
    data = rollup.filter(pl.col("delivered") > 0).select(
        pl.col("score_band").alias("band"), (pl.col("reply_rate") * 100).alias("reply_pct"),
        (pl.col("reply_low") * 100).alias("low_pct"), (pl.col("reply_high") * 100).alias("high_pct"),
        "delivered", "replied")
    order = ["0-39", "40-59", "60-79", "80-100", "unscored"]
    x = {"field": "band", "type": "ordinal", "sort": order, "title": "ICP score", "axis": {"labelAngle": 0}}
    st.vega_lite_chart(_pandas(data), {
        "layer": [
            {"mark": {"type": "bar"}, "encoding": {
                "x": x, "y": {"field": "reply_pct", "type": "quantitative", "title": "reply rate, %"},
                "tooltip": [{"field": "band"}, {"field": "replied", "title": "replies"},
                            {"field": "delivered"}, {"field": "reply_pct", "format": ".1f", "title": "reply %"}]}},
            {"mark": {"type": "rule", "color": "black"}, "encoding": {
                "x": x, "y": {"field": "low_pct", "type": "quantitative"}, "y2": {"field": "high_pct"}}},
        ]}, width="stretch", key=key)
    st.caption("Bars: replies per delivered email. Lines: the 95% range the true rate is likely in "
               "(wide when few emails were sent).")


def rate_chart(rollup: pl.DataFrame | None, by: str, key: str) -> None:
    if rollup is None or rollup.filter(pl.col("delivered") > 0).is_empty():
        st.caption("No delivered emails yet.")
        return
    data = rollup.filter(pl.col("delivered") > 0).select(
        pl.col(by).fill_null("unknown"), (pl.col("reply_rate") * 100).alias("reply rate, %"))
    st.bar_chart(_pandas(data), x=by, y="reply rate, %", horizontal=True)


def provider_chart(by_finder: pl.DataFrame, key: str) -> None:
    """Cost per delivered email per finder, cheapest first."""
    data = by_finder.filter(pl.col("cost_per_delivered").is_not_null() & (pl.col("finder") != "imported"))
    if data.is_empty():
        st.info("No emails found by our finders have been sent yet.")
        return
    data = data.select("finder", (pl.col("cost_per_delivered") * 1000).alias("usd_per_1000"), "delivered")
    st.vega_lite_chart(_pandas(data), {
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "finder", "type": "nominal", "sort": "x", "title": None},
            "x": {"field": "usd_per_1000", "type": "quantitative", "title": "USD per 1,000 delivered emails"},
            "tooltip": [{"field": "finder"}, {"field": "delivered"},
                        {"field": "usd_per_1000", "format": ".2f", "title": "USD per 1,000 delivered"}]},
    }, width="stretch", key=key)


def verdict_box(verdict: Predictiveness) -> None:
    text = md_escape(verdict.verdict)
    if verdict.state == "predicts":
        st.success(text, icon=":material/trending_up:")
    elif verdict.state == "not_enough_data":
        st.info(text, icon=":material/hourglass_empty:")
    else:
        st.warning(text, icon=":material/trending_flat:")
