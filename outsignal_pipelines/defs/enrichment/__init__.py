"""Dagster definitions: enrichment."""
