"""Bar charts handed to the browser as Vega-Lite specs. st.bar_chart builds an Altair chart and validates
it against the Vega-Lite schema on every rerun: 40–100 ms of the app server per chart, more than the
queries of the page it is on (measured on Home, Lists and Spend at 1M people)."""

from __future__ import annotations

from typing import Literal

import polars as pl
import streamlit as st

FieldType = Literal["nominal", "ordinal", "quantitative", "temporal"]


def bar_chart(data: pl.DataFrame, x: str, y: str, *, color: str | None = None, x_type: FieldType = "nominal",
              x_title: str | None = None, y_title: str | None = None, horizontal: bool = False,
              in_data_order: bool = False, height: int | None = None, key: str | None = None) -> None:
    """Bars of `y` by `x` (stacked by `color`, if given), with a tooltip on each bar."""
    category = {"field": x, "type": x_type, "title": x_title if x_title is not None else x}
    if in_data_order:
        category["sort"] = None
    value = {"field": y, "type": "quantitative", "title": y_title if y_title is not None else y}
    encoding = {"x": value, "y": category} if horizontal else {"x": category, "y": value}
    if color:
        encoding["color"] = {"field": color, "type": "nominal", "title": color}
    spec = {"mark": {"type": "bar", "tooltip": True}, "encoding": encoding}
    st.vega_lite_chart(data, spec, height=height if height is not None else "content", width="stretch", key=key)
