"""Dagster definitions: lists."""
