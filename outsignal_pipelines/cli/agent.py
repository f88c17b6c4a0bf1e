"""The Leads Agent on the command line: one chat turn, or the MCP server over the same tools."""

from __future__ import annotations

import typer
from rich.table import Table

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, out

app = typer.Typer()


@app.command()
def chat(
    message: str = typer.Argument(..., help="What you want, in plain words."),
    workspace: str = typer.Option(None, "--workspace", "-w", help="The workspace the conversation is about."),
    yes: bool = typer.Option(False, "--yes", help="Confirm a paid action in the same call (preview, then run)."),
    as_json: bool = JsonOpt,
) -> None:
    """Talk to the Leads Agent (LLM planner when OUTSIGNAL_LLM_MODEL is set, else the offline planner)."""
    from outsignal_pipelines.agent.chat import chat as run_chat
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        reply, conversation = run_chat(message, workspace=workspace, triggered_by="cli")
        if yes and conversation.pending:
            reply, conversation = run_chat("yes", conversation, triggered_by="cli")
    if as_json:
        _emit(True, reply.to_dict(), lambda: None)
        return
    out.print(reply.reply)
    columns = ("person_id", "full_name", "job_title", "company_name", "email", "email_status", "icp_score")
    for table in reply.tables:
        rows = table["rows"][:20]
        if rows:
            grid = Table(*columns)
            for row in rows:
                grid.add_row(*["" if row.get(c) is None else str(row.get(c)) for c in columns])
            out.print(grid)


@app.command()
def mcp() -> None:
    """Run the MCP server on stdio (the same tools as the chat)."""
    from outsignal_pipelines.mcp_server import main

    main()
