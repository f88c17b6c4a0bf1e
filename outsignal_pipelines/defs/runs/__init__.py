"""Dagster definitions: runs."""
