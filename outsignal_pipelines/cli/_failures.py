"""Every failure of the `outsignal` command, not only the ones a command foresaw, ends the same way:
with --json, ONE JSON object {"error": ...} on stdout and a non-zero exit; without, one readable
message on stderr. Usage errors (a missing option, `--min-icp 1e309`) included, which click would
otherwise print as a usage box on stderr with nothing on stdout.

An unexpected error is written in full (with its traceback) to data/logs/cli-errors.log under a short
reference; the person sees the message and the reference, never the traceback."""

from __future__ import annotations

import json
import secrets
import sys
import traceback
from datetime import datetime, timezone
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import Abort, TyperException

from outsignal_pipelines import settings


def _log_unexpected(exc: BaseException) -> tuple[str, str | None]:
    """Append the traceback to the CLI error log; (reference, log path or None when it can't be written)."""
    ref = secrets.token_hex(4).upper()
    path = settings.data_dir() / "logs" / "cli-errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {ref} {datetime.now(timezone.utc).isoformat()} {' '.join(sys.argv)}\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return ref, None
    return ref, str(path)


def _fail(as_json: bool, message: str, code: int) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"error": message}) + "\n")
        sys.stdout.flush()
    else:
        typer.echo(f"error: {message}", err=True)
    sys.exit(code or 1)


class JsonErrorsGroup(TyperGroup):
    """The top-level group: runs the command, and turns whatever escapes it into the contract above."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in argv
        try:
            if not as_json:  # people keep click's usage box for a usage error
                return super().main(args=argv, prog_name=prog_name, complete_var=complete_var,
                                    standalone_mode=standalone_mode, **extra)
            code = super().main(args=argv, prog_name=prog_name, complete_var=complete_var,
                                standalone_mode=False, **extra)
        except TyperException as exc:  # usage errors, option values of the wrong type
            _fail(as_json, exc.format_message(), exc.exit_code)
        except Abort:
            _fail(as_json, "aborted", 1)
        except Exception as exc:  # noqa: BLE001 - the last line before a person's terminal
            ref, log = _log_unexpected(exc)
            where = f" (details in {log})" if log else ""
            _fail(as_json, f"unexpected error {type(exc).__name__}: {exc}; reference {ref}{where}", 1)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)
