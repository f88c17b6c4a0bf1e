"""The Settings page's "Learned from results" section: the ICP calibration's suggested rule weights
and the provider table's recommended finder order, each shown with its evidence and applied by the
admin with one button (audited in operations; nothing is applied without it). Applying weights says
plainly that scores change only when a list is scored again.

The section is a tab of the Settings page, worked out only while it is shown: the calibration reads
every deployed lead of the workspace with its outcomes (the slowest read of the page), and the page
reruns on every save of every form."""

from __future__ import annotations

import streamlit as st

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.calibration import FACTOR_NAMES, applied_history, apply_weights, calibrate
from outsignal_pipelines.operations.provider_quality import apply_finder_order, provider_quality
from streamlit_portal.services.outcome_views import labelled, verdict_box
from streamlit_portal.services.plain import md_escape
from streamlit_portal.services.tables import readable


def _changes(before: dict, after: dict) -> str:
    return ", ".join(f"{FACTOR_NAMES.get(k, k)} {before[k]} → {after[k]}" for k in after if before.get(k) != after[k])


def suggestions_panel(slug: str) -> None:
    if flash := st.session_state.pop("settings_learned_flash", None):
        st.success(flash, icon=":material/check_circle:")
    calibration = calibrate(slug)
    if not calibration.sent:
        st.info("No results yet: once a deployed list has sends, replies and bounces, suggestions for the ICP "
                "weights and the finder order show here.", icon=":material/hourglass_empty:")
        return

    st.markdown("**ICP rule weights**")
    verdict_box(calibration.predictiveness)
    if calibration.suggested_weights:
        for advice in calibration.factors:
            if advice.changes:
                st.markdown(f"- {FACTOR_NAMES[advice.factor]}: {advice.current} → **{advice.suggested}** points "
                            f"({md_escape(advice.reason)})")
        st.caption(calibration.note)   # our own words, with a command in backticks
        if st.button("Apply the suggested weights", key=f"apply_weights_{slug}", icon=":material/tune:"):
            try:
                applied = apply_weights(slug, calibration.suggested_weights, evidence=calibration.evidence)
            except OperationError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state["settings_learned_flash"] = (
                    f"Weights applied: {_changes(applied.before, applied.after)}. {applied.note}")
                st.rerun()
    else:
        st.caption("No weight change suggested: " + "; ".join(
            f"{FACTOR_NAMES[a.factor]}: {md_escape(a.reason)}" for a in calibration.factors) if calibration.factors
            else "No weight change suggested.")

    st.markdown("**Email finder order**")
    quality = provider_quality(slug)
    st.dataframe(labelled(quality.by_finder, ["finder", "sent", "delivered", "bounce_rate", "cost_usd",
                                              "cost_per_delivered"]),
                 hide_index=True, width="stretch", key=f"settings_providers_{slug}")
    advice = quality.advice
    st.caption(md_escape(advice.reason))
    if advice.changes:
        st.markdown(f"Now: {' → '.join(advice.current)}  \nRecommended: **{' → '.join(advice.recommended)}**")
        if st.button("Apply the recommended finder order", key=f"apply_order_{slug}", icon=":material/swap_vert:"):
            try:
                applied = apply_finder_order(slug, advice.recommended,
                                             evidence={"by_finder": quality.by_finder.to_dicts()})
            except OperationError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state["settings_learned_flash"] = (
                    f"Finder order applied: {' → '.join(applied.before)} became {' → '.join(applied.after)}. "
                    f"{applied.note}")
                st.rerun()

    history = applied_history(slug)
    if not history.is_empty():
        with st.expander("Suggestions applied so far", icon=":material/history:"):
            st.dataframe(readable(history, ["kind", "before", "after", "applied_by", "applied_at"]),
                         hide_index=True, width="stretch", key=f"settings_applied_{slug}")
