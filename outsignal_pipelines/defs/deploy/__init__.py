"""Dagster definitions: deploy."""
