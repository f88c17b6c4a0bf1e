"""Dagster definitions: sql_models."""
