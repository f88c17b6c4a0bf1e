"""What the admin can revoke from the command line: client sessions and unused sign-in links (of one
email, one workspace, or everyone). Admin sessions end when OUTSIGNAL_ADMIN_PASSWORD changes."""

from __future__ import annotations

import typer

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, out
from outsignal_pipelines.operations import OperationError

app = typer.Typer(help="Sign-ins: revoke sessions and unused magic links.", no_args_is_help=True)


@app.command("revoke")
def revoke(
    email: str = typer.Option(None, "--email", help="Only this email's sessions and links."),
    workspace: str = typer.Option(None, "--workspace", "-w", help="Only this workspace's."),
    everyone: bool = typer.Option(False, "--all", help="Every session (the admin's too) and every unused link."),
    as_json: bool = JsonOpt,
) -> None:
    """Revoke live sessions and unused sign-in links at once."""
    from outsignal_pipelines.operations.auth import revoke_sign_ins
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        if not (email or workspace or everyone):
            raise OperationError("say whose sign-ins to revoke: --email, --workspace or --all")
        init_store()
        result = revoke_sign_ins(email=email, workspace=workspace)
    _emit(as_json, result, lambda: out.print(f"revoked {result['sessions']} session(s) and {result['links']} "
                                             "unused link(s)"))
