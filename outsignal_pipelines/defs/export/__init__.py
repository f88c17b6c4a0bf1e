"""Dagster definitions: export."""
