"""Outsignal Lead Engine: the lead store, its operations and the Dagster code location."""

from outsignal_pipelines import settings as _settings

_settings.prepare_litellm()

__version__ = "0.1.0"
