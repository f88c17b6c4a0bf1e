"""`outsignal mcp`: a stdio MCP server exposing the agent's tools (the same registry the chat uses).
Nothing but protocol goes to stdout; logs go to stderr. Every call is recorded as an AgentRun."""

from __future__ import annotations

import inspect
import json
import logging
import sys
import time
from typing import Any

from outsignal_pipelines.agent import tools


def _record(name: str, arguments: dict[str, Any], result: dict[str, Any], started: float) -> None:
    from outsignal_pipelines.agent.audit import finish_run as _finish_run, start_run as _start_run

    run_id = _start_run(f"mcp:{name}", arguments.get("workspace"), "mcp")
    status = "failed" if "error" in result else "complete"
    _finish_run(run_id, json.dumps(tools.trimmed(result), default=str)[:2000],
                [{"tool": name, "args": arguments, "result": result}], status, result.get("error"), started, 0.0)


def _make_handler(spec: tools.Tool):
    from mcp.server.mcpserver.exceptions import ToolError

    """A function whose signature is the tool's schema, so the MCP server publishes the same JSON schema."""
    fields = spec.args.model_fields

    def handler(**kwargs: Any) -> str:
        started = time.monotonic()
        arguments = {k: v for k, v in kwargs.items() if v is not None}
        # `confirm` alone never runs a paid action: the preview's confirmation_token must come back too.
        ctx = tools.ToolContext(triggered_by="mcp")
        try:
            result = tools.call(spec.name, ctx, arguments)
        except Exception as exc:  # noqa: BLE001 - recorded, then reported to the client as a tool error
            result = {"error": f"{type(exc).__name__}: {exc}"}
        _record(spec.name, arguments, result, started)
        if "error" in result:
            raise ToolError(str(result["error"]))   # the client sees isError: true with the message
        return json.dumps(tools.trimmed(result, rows=50), default=str)

    params = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                default=None if not f.is_required() else inspect.Parameter.empty,
                                annotation=f.annotation if f.is_required() else (f.annotation | None))
              for name, f in fields.items()]
    handler.__signature__ = inspect.Signature(params, return_annotation=str)
    handler.__annotations__ = {p.name: p.annotation for p in params} | {"return": str}
    handler.__name__ = spec.name
    return handler


def build_server():
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("outsignal-leads")
    for spec in tools.REGISTRY.values():
        description = spec.description + (
            " Previews first: the first call returns the preview and a confirmation_token and changes nothing; "
            "once the user agreed, call again with confirm=true and that confirmation_token." if spec.confirms else "")
        server.add_tool(_make_handler(spec), name=spec.name, description=description)
    return server


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    from outsignal_pipelines.operations.setup import init_store

    init_store()
    build_server().run("stdio")


if __name__ == "__main__":  # pragma: no cover
    main()
