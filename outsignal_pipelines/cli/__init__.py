"""The `outsignal` command, one module per command group. Every command is a thin caller of an
operation; with --json it prints one JSON object on stdout (errors too: {"error": ...} with a non-zero
exit), otherwise readable text. Groups without a name add their commands at the top level."""

from __future__ import annotations

import typer

from outsignal_pipelines.cli import agent, lists, outcomes, pipelines, review, search, servers, setup, sign_ins
from outsignal_pipelines.cli._failures import JsonErrorsGroup

app = typer.Typer(help="Outsignal Lead Engine: the lead store, enrichment, scoring, review and deploy.",
                  no_args_is_help=True, add_completion=False, cls=JsonErrorsGroup,
                  pretty_exceptions_enable=False)
app.add_typer(setup.app)  # init, seed-demo, import, workspace add/list
app.add_typer(search.app)  # search
app.add_typer(lists.app, name="lists")
app.add_typer(pipelines.app)  # enrich, score, export, deploy
app.add_typer(review.app, name="review")
app.add_typer(sign_ins.app, name="sign-ins")
app.add_typer(agent.app)  # chat, mcp
app.add_typer(outcomes.webhooks_app, name="webhooks")  # url, serve
app.add_typer(outcomes.outcomes_app, name="outcomes")  # backfill, rollup
app.add_typer(servers.app)  # sandbox, demo, serve, worker

__all__ = ["app"]
