"""Dagster definitions: notifications."""
