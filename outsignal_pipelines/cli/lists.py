"""Target lists: create, fill (by id or by a whole search), inspect, rename, trim and delete."""

from __future__ import annotations

import typer

from outsignal_pipelines.cli._output import JsonOpt, _emit, _errors, out
from outsignal_pipelines.cli.search import SeniorityOpt, VerticalOpt, people_query
from outsignal_pipelines.operations import OperationError

app = typer.Typer(help="Target lists: create, add people, show, rename, delete.", no_args_is_help=True)


@app.command("create")
def lists_create(name: str = typer.Argument(...), workspace: str = typer.Option(..., "--workspace", "-w"),
                 as_json: bool = JsonOpt) -> None:
    """Create a list (creating an existing name returns it)."""
    from outsignal_pipelines.operations.lists import create_list
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        target, created = create_list(workspace, name)
    _emit(as_json, {"id": target.id, "name": target.name, "workspace": target.workspace_slug, "created": created,
                    "members": target.member_count},
          lambda: out.print(f"list {target.name!r} {'created' if created else 'already exists'} ({target.id})"))


@app.command("add")
def lists_add(
    name: str = typer.Argument(...), workspace: str = typer.Option(..., "--workspace", "-w"),
    ids: list[int] = typer.Option(None, "--id", help="Person id (repeatable)."),
    text: str = typer.Option(None, "--search", help="Add everyone matching this search (with the filters below)."),
    vertical: list[str] = VerticalOpt, seniority: list[str] = SeniorityOpt,
    title: str = typer.Option(None, "--title"), location: str = typer.Option(None, "--location"),
    verified: bool = typer.Option(None, "--verified/--not-verified"),
    min_icp: int = typer.Option(None, "--min-icp"),
    all_matching: bool = typer.Option(False, "--all-matching", help="Required with search filters: add all N matches."),
    as_json: bool = JsonOpt,
) -> None:
    """Add people by id, or every person matching a search."""
    from outsignal_pipelines.operations.lists import add_people, add_search_results
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        searching = any([text, vertical, seniority, title, location, verified is not None, min_icp is not None])
        if ids and searching:
            raise OperationError("give either --id or search filters, not both")
        if searching:
            if not all_matching:
                raise OperationError("adding a whole search needs --all-matching (it adds every match, not one page)")
            query = people_query(text, workspace, vertical, seniority, title, location, None, None, None, None,
                                 verified, min_icp, None, None, None, "name", 1, 1)
            result = add_search_results(workspace, name, query)
        elif ids:
            result = add_people(workspace, name, ids)
        else:
            raise OperationError("nothing to add: give --id or search filters with --all-matching")
    _emit(as_json, result, lambda: out.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.items())))


@app.command("show")
def lists_show(name: str = typer.Argument(None), workspace: str = typer.Option(..., "--workspace", "-w"),
               as_json: bool = JsonOpt) -> None:
    """A list's quality summary, or every list of the workspace when no name is given."""
    from outsignal_pipelines.operations.lists import list_lists
    from outsignal_pipelines.operations.list_quality import list_summary
    from outsignal_pipelines.operations.setup import init_store

    with _errors(as_json):
        init_store()
        if name is None:
            rows = [{"id": t.id, "name": t.name, "status": t.status, "members": t.member_count}
                    for t in list_lists(workspace)]
            _emit(as_json, {"lists": rows}, lambda: [out.print(f"{r['name']} ({r['status']}): {r['members']:,} members")
                                                     for r in rows] or out.print("no lists yet"))
            return
        summary = list_summary(workspace, name)
    _emit(as_json, summary, lambda: out.print(
        f"{summary['name']} ({summary['status']}): {summary['members']:,} members · email {summary['email_coverage']:.0%} · "
        f"LinkedIn {summary['linkedin_coverage']:.0%} · verified {summary['verified_share']:.0%} · "
        f"ICP bands {summary['icp_bands']}"))


@app.command("rename")
def lists_rename(name: str = typer.Argument(...), new_name: str = typer.Argument(...),
                 workspace: str = typer.Option(..., "--workspace", "-w"), as_json: bool = JsonOpt) -> None:
    from outsignal_pipelines.operations.lists import rename_list

    with _errors(as_json):
        target = rename_list(workspace, name, new_name)
    _emit(as_json, {"id": target.id, "name": target.name}, lambda: out.print(f"renamed to {target.name!r}"))


@app.command("remove")
def lists_remove(name: str = typer.Argument(...), workspace: str = typer.Option(..., "--workspace", "-w"),
                 ids: list[int] = typer.Option(..., "--id"), as_json: bool = JsonOpt) -> None:
    """Remove people from a list (they stay in the store)."""
    from outsignal_pipelines.operations.lists import remove_people

    with _errors(as_json):
        removed = remove_people(workspace, name, ids)
    _emit(as_json, {"removed": removed}, lambda: out.print(f"{removed} removed"))


@app.command("delete")
def lists_delete(name: str = typer.Argument(...), workspace: str = typer.Option(..., "--workspace", "-w"),
                 as_json: bool = JsonOpt) -> None:
    """Delete a list; its people stay in the store."""
    from outsignal_pipelines.operations.lists import delete_list

    with _errors(as_json):
        members = delete_list(workspace, name)
    _emit(as_json, {"deleted": name, "members": members}, lambda: out.print(f"deleted {name!r} ({members} members)"))
