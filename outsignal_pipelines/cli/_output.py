"""What every command shares: --json prints exactly one JSON object on stdout (errors too, with a
non-zero exit), otherwise readable text on a rich console; progress bars only on a terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from outsignal_pipelines.operations import OperationError, StoreError
from outsignal_pipelines.operations.sql_models import SqlModelError

out = Console()
err = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print one JSON object on stdout.")


def _emit(as_json: bool, payload: dict[str, Any], human: Callable[[], None]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(payload, default=str) + "\n")
    else:
        human()


@contextmanager
def _errors(as_json: bool):
    """Refusals the person can act on become one message and exit code 1, never a traceback."""
    try:
        yield
    except (OperationError, StoreError, SqlModelError) as exc:
        if as_json:
            sys.stdout.write(json.dumps({"error": str(exc)}) + "\n")
        else:
            err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


@contextmanager
def _progress(enabled: bool, label: str):
    """A progress bar on a terminal; a no-op callback for scripts and --json."""
    if not enabled or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def settle_notifications(as_json: bool, ids: list[int] | None = None) -> dict[str, list[int]] | None:
    """Before a command exits: wait (bounded) for the notifications it queued, and say plainly when
    some are left in the outbox for the retry sensor. None when the command queued nothing."""
    from outsignal_pipelines.operations.notifications import SETTLE_SECONDS, settle

    result = settle(ids)
    if not result["sent"] and not result["queued"]:
        return None
    if result["queued"]:
        err.print(f"{len(result['queued'])} notification(s) not delivered now (waited up to {SETTLE_SECONDS:g} s); "
                  "they stay in the outbox and the Dagster daemon's retry sensor sends them "
                  "(`outsignal serve` or `make demo`).", markup=False)
    return result
