"""Dagster definitions: outcomes (what happened after the send, per list)."""
