"""Dagster definitions: scoring."""
