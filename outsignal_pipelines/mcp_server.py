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
    """A function whose signature is the tool's schema, so the MCP server publishes the same JSON schema."""
    fields = spec.args.model_fields

    def handler(**kwargs: Any) -> str:
        started = time.monotonic()
        arguments = {k: v for k, v in kwargs.items() if v is not None}
        ctx = tools.ToolContext(triggered_by="mcp", user_confirmed=bool(arguments.get("confirm")))
        result = tools.call(spec.name, ctx, arguments)
        _record(spec.name, arguments, result, started)
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
        description = spec.description + (" Spends money or acts outside: the first call returns a preview; call "
                                           "again with confirm=true once the user agreed." if spec.spends else "")
        server.add_tool(_make_handler(spec), name=spec.name, description=description)
    return server


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    from outsignal_pipelines.operations.setup import init_store

    init_store()
    build_server().run("stdio")


if __name__ == "__main__":  # pragma: no cover
    main()
