"""Dagster definitions grouped by domain; `outsignal_pipelines.definitions` assembles them."""
