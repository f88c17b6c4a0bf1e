"""The operations layer: the one place for business rules. Pages, CLI commands, agent and MCP tools
and Dagster assets call these functions and add nothing but presentation."""

from outsignal_pipelines.domain.errors import Refused
from outsignal_pipelines.store.connection import StoreError  # noqa: F401  faces catch it without importing the store

# A request the product refuses, with a message meant for the person who asked (the domain's type).
OperationError = Refused


class NotFound(OperationError):
    """The thing asked for does not exist (in this workspace)."""
