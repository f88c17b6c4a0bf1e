"""The operations layer: the one place for business rules. Pages, CLI commands, agent and MCP tools
and Dagster assets call these functions and add nothing but presentation."""


class OperationError(ValueError):
    """A request the product refuses, with a message meant for the person who asked."""


class NotFound(OperationError):
    """The thing asked for does not exist (in this workspace)."""
