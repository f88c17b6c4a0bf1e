"""Panels whose content is worked out and drawn only while they are open. A collapsed st.expander still
runs and sends everything in it on every rerun; on the Lists page that was most of what the browser drew."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def opened(label: str, key: str, expanded: bool = False, icon: str | None = None) -> DeltaGenerator | None:
    """The expander's container while the admin has it open, else None. Opening or closing it reruns the
    page (about as long as a button), and it stays as the admin left it across reruns (by its key)."""
    panel = st.expander(label, expanded=expanded, icon=icon, key=key, on_change="rerun")
    return panel if panel.open else None
