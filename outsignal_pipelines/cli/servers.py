"""Long-running processes: the sandbox vendor APIs; `demo`/`serve`, which start Dagster and Streamlit
(and optionally the sandbox) as children through the runner; and `worker`, a Celery worker for the
steps of production runs."""

from __future__ import annotations

import typer

from outsignal_pipelines.cli._output import _errors, out

app = typer.Typer()


@app.command()
def sandbox(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port", help="Port of the sandbox vendor APIs."),
    smtp_port: int = typer.Option(8025, "--smtp-port", help="Port of the sandbox SMTP sink (0 = none)."),
) -> None:
    """Run the sandbox: vendor APIs (Prospeo, AI Ark, LeadMagic, FindyMail, Firecrawl, MillionVerifier,
    EmailBison), a Slack webhook sink and an SMTP sink, with an inbox at /_sandbox/inbox."""
    from outsignal_pipelines.sandbox.app import run

    out.print(f"sandbox vendor APIs on http://{host}:{port} (usage: /_sandbox/usage, inbox: /_sandbox/inbox)"
              + (f", SMTP sink on {host}:{smtp_port}" if smtp_port else ""))
    run(host=host, port=port, smtp_port=smtp_port or None)


def _serve(seed: bool, host: str | None, dagster_port: int | None, streamlit_port: int | None,
           with_sandbox: bool = True, production: bool = False) -> None:
    from outsignal_pipelines.cli.runner import ServeConfig, serve
    from outsignal_pipelines.operations.demo_data import seed_demo
    from outsignal_pipelines.operations.setup import init_store

    config = ServeConfig.from_env()
    config.host = host or config.host
    config.dagster_port = dagster_port or config.dagster_port
    config.streamlit_port = streamlit_port or config.streamlit_port
    config.production = production or config.production
    with _errors(False):
        init_store()
        if seed:
            result = seed_demo(if_empty=True)
            out.print("demo data already present" if result.skipped else
                      f"seeded {result.people:,} demo people in {result.workspaces} workspaces")
    raise typer.Exit(serve(config, say=_say, with_sandbox=with_sandbox))


HostOpt = typer.Option(None, "--host", help="Bind address (OUTSIGNAL_BIND, default 127.0.0.1).")
DagsterPortOpt = typer.Option(None, "--dagster-port", help="Dagster UI port (default 3000).")
StreamlitPortOpt = typer.Option(None, "--streamlit-port", help="Streamlit port (default 8501).")


@app.command()
def demo(host: str = HostOpt, dagster_port: int = DagsterPortOpt, streamlit_port: int = StreamlitPortOpt) -> None:
    """Set up the store, add demo data when it is empty, and run the sandbox vendor APIs, Dagster and Streamlit."""
    _serve(True, host, dagster_port, streamlit_port)


def _say(line: str) -> None:
    """One line as written: a path to `source` must not be wrapped or styled by the console."""
    out.print(line, soft_wrap=True, markup=False, highlight=False)


@app.command("serve")
def serve_cmd(host: str = HostOpt, dagster_port: int = DagsterPortOpt, streamlit_port: int = StreamlitPortOpt,
              sandbox: bool = typer.Option(False, "--sandbox/--no-sandbox",
                                           help="Also run the sandbox vendor APIs and point the clients at them."),
              production: bool = typer.Option(False, "--production",
                                              help="The production profile (same as OUTSIGNAL_PROFILE=production): "
                                                   "Dagster on Postgres with a code server, webserver and daemon; "
                                                   "steps on Celery workers (`outsignal worker`).")) -> None:
    """Run Dagster + Streamlit on the current store (no demo data; real provider APIs unless --sandbox)."""
    _serve(False, host, dagster_port, streamlit_port, with_sandbox=sandbox, production=production)


@app.command()
def worker(name: str = typer.Option("outsignal", "--name", help="Worker name prefix (pid and host are added)."),
           loglevel: str = typer.Option("INFO", "--loglevel")) -> None:
    """Run a Celery worker for the steps of production runs (queue `dagster`, one step at a time; start
    several for more). Needs OUTSIGNAL_PROFILE=production, OUTSIGNAL_REDIS_URL and DAGSTER_PG_*."""
    from outsignal_pipelines import orchestration, settings

    missing = settings.missing_production_settings()
    if missing:
        out.print(f"error: a worker needs {', '.join(missing)} (see docs/deploy.md)", markup=False)
        raise typer.Exit(2)
    orchestration.run_worker(name, loglevel)
