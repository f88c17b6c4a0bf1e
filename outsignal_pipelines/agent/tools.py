"""The agent's tools: one registry over the operations layer, one pydantic schema per tool. The chat
planners (LLM and offline), the MCP server and the CLI all call tools from here, so they can never
diverge from each other or from the pages.

Tools that spend money or act outside the product (enrich, LLM scoring, export to EmailBison) first
answer with a preview — counts and an estimated cost — and run only when the user has confirmed it
and a confirmation token; they run only when called again with `confirm` and that token
(agent.confirmation: the user's "yes" in the chat, the client's second call in MCP, never the model
alone). Deleting a list follows the same rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from outsignal_pipelines.operations import OperationError


@dataclass
class ToolContext:
    workspace: str | None = None
    confirmation_token: str | None = None   # handed over by the user's "yes" to the pending preview
    triggered_by: str = "chat"
    on_progress: Callable[[int, int], None] | None = None  # a long run's progress, for a face that shows it


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[ToolContext, Any], dict[str, Any]]
    spends: bool = False
    confirms: bool = False   # previews first and runs only when confirmed (every spending tool, and delete)


REGISTRY: dict[str, Tool] = {}


def tool(name: str, description: str, args: type[BaseModel], spends: bool = False, confirms: bool = False):
    def register(fn: Callable[[ToolContext, Any], dict[str, Any]]):
        REGISTRY[name] = Tool(name, description, args, fn, spends, spends or confirms)
        return fn
    return register


def _workspace(ctx: ToolContext, given: str | None) -> str:
    workspace = given or ctx.workspace
    if not workspace:
        raise OperationError("which workspace? name one (e.g. 'for rise') or pick it in the app")
    return workspace


# ------------------------------------------------------------------ schemas

class SearchArgs(BaseModel):
    text: str | None = Field(None, description="Free text over name, email, company and title")
    workspace: str | None = Field(None, description="Workspace slug; defaults to the current one")
    verticals: list[str] = Field(default_factory=list, description="Verticals from the 23-vertical vocabulary")
    seniorities: list[str] = Field(default_factory=list, description="Seniority levels, e.g. C-Suite, VP, Director")
    title_contains: str | None = None
    title_any: list[str] = Field(default_factory=list, description="Title contains any of these, e.g. ['cto', 'chief technology']")
    location: str | None = Field(None, description="Location contains, e.g. London")
    has_verified_email: bool | None = Field(None, description="Only people whose email verified valid")
    min_icp_score: int | None = Field(None, ge=0, le=100)
    headcount_min: int | None = Field(None, ge=0, description="Company headcount at least")
    headcount_max: int | None = Field(None, ge=0, description="Company headcount at most")
    email_status: Literal["valid", "catch_all", "risky", "invalid", "unknown"] | None = None
    company: str | None = Field(None, description="Company name contains")
    in_list: str | None = Field(None, description="Only members of this list (name)")
    not_in_list: str | None = Field(None, description="Only people not on this list (name)")
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=200)


class ListArgs(BaseModel):
    name: str = Field(description="List name")
    workspace: str | None = None


class WorkspaceArgs(BaseModel):
    workspace: str | None = None


class RenameArgs(ListArgs):
    new_name: str


class AddArgs(ListArgs):
    person_ids: list[int] = Field(default_factory=list, description="People to add by id")
    search: SearchArgs | None = Field(None, description="Or: add every person matching this search")


class SpendArgs(ListArgs):
    confirm: bool = Field(False, description="Run it (only after the user confirmed the preview)")
    confirmation_token: str | None = Field(None, description="The token the preview returned")


class RemoveArgs(ListArgs):
    search: SearchArgs = Field(description="Members matching this search leave the list, e.g. email_status catch_all")


class SpendSummaryArgs(WorkspaceArgs):
    period: Literal["today", "this_week", "this_month", "last_7_days", "last_30_days"] = "last_7_days"


class PersonArgs(WorkspaceArgs):
    name: str = Field(description="A person's name (or part of it)")


class ExportArgs(SpendArgs):
    to: Literal["csv", "emailbison"] = "csv"


class ReviewArgs(BaseModel):
    workspace: str | None = None
    list_name: str | None = None
    campaign: str | None = None


# ------------------------------------------------------------------ tools

def _list_id(workspace: str | None, name: str | None) -> str | None:
    from outsignal_pipelines.operations.lists import resolve_list

    if not name:
        return None
    if not workspace:
        raise OperationError("lists belong to a workspace: name the workspace too")
    return resolve_list(workspace, name).id


def _query(args: SearchArgs, workspace: str | None):
    from outsignal_pipelines.operations.search import PeopleQuery

    return PeopleQuery(text=args.text, workspace=workspace, verticals=args.verticals, seniorities=args.seniorities,
                       title_contains=args.title_contains, title_any=args.title_any, location=args.location,
                       has_verified_email=args.has_verified_email, min_icp_score=args.min_icp_score,
                       headcount_min=args.headcount_min, headcount_max=args.headcount_max,
                       email_status=args.email_status, company=args.company,
                       in_list=_list_id(workspace, args.in_list), not_in_list=_list_id(workspace, args.not_in_list),
                       page=args.page, page_size=args.page_size, sort="icp" if workspace else "newest")


@tool("search_people", "Search people with filters; returns a page with ICP scores and email status.", SearchArgs)
def search_people_tool(ctx: ToolContext, args: SearchArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.search import search_people

    page = search_people(_query(args, args.workspace or ctx.workspace))
    return {"total": page.total, "page": page.page, "pages": page.pages, "results": page.rows.to_dicts()}


class CreateArgs(ListArgs):
    search: SearchArgs | None = Field(None, description="Optionally fill it with everyone matching this search")


@tool("create_list", "Create a target list (returns the existing one if the name is taken), optionally filled "
      "with a search's matches.", CreateArgs)
def create_list_tool(ctx: ToolContext, args: CreateArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.lists import add_search_results, create_list

    workspace = _workspace(ctx, args.workspace)
    target, created = create_list(workspace, args.name)
    out = {"id": target.id, "name": target.name, "workspace": target.workspace_slug, "created": created,
           "members": target.member_count}
    if args.search is not None:
        out["added"] = add_search_results(workspace, target.name, _query(args.search, args.search.workspace or workspace))["added"]
    return out


@tool("list_lists", "The workspace's lists with status and member counts.", WorkspaceArgs)
def list_lists_tool(ctx: ToolContext, args: WorkspaceArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.lists import list_lists

    workspace = _workspace(ctx, args.workspace)
    return {"workspace": workspace, "lists": [{"name": t.name, "status": t.status, "members": t.member_count}
                                              for t in list_lists(workspace)]}


@tool("show_list", "A list's quality summary: coverage, verified share, verticals, ICP bands.", ListArgs)
def show_list_tool(ctx: ToolContext, args: ListArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.list_quality import list_summary

    return list_summary(_workspace(ctx, args.workspace), args.name)


@tool("rename_list", "Rename a list.", RenameArgs)
def rename_list_tool(ctx: ToolContext, args: RenameArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.lists import rename_list

    target = rename_list(_workspace(ctx, args.workspace), args.name, args.new_name)
    return {"id": target.id, "name": target.name}


@tool("add_to_list", "Add people to a list by id, or everyone matching a search.", AddArgs)
def add_to_list_tool(ctx: ToolContext, args: AddArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.lists import add_people, add_search_results, create_list

    workspace = _workspace(ctx, args.workspace)
    create_list(workspace, args.name)
    if args.search is not None:
        # "Add them": exactly the people that search found, whichever workspace it covered.
        return add_search_results(workspace, args.name, _query(args.search, args.search.workspace))
    if not args.person_ids:
        raise OperationError("nothing to add: give person ids or a search")
    return add_people(workspace, args.name, args.person_ids)


@tool("count_people", "How many people match a search (same filters as search_people).", SearchArgs)
def count_people_tool(ctx: ToolContext, args: SearchArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.search import search_people

    page = search_people(_query(args.model_copy(update={"page": 1, "page_size": 1}), args.workspace or ctx.workspace))
    return {"total": page.total, "workspace": args.workspace or ctx.workspace}


@tool("find_person", "Who someone is: matching people with title, company, email status and ICP score.", PersonArgs)
def find_person_tool(ctx: ToolContext, args: PersonArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.search import search_people

    query = SearchArgs(text=args.name, workspace=args.workspace or ctx.workspace, page_size=5)
    page = search_people(_query(query, query.workspace))
    return {"total": page.total, "results": page.rows.to_dicts()}


_PERIOD_DAYS = {"today": lambda d: 0, "this_week": lambda d: d.weekday(), "this_month": lambda d: d.day - 1,
                "last_7_days": lambda d: 6, "last_30_days": lambda d: 29}


@tool("spend_summary", "What paid providers cost over a period, per provider (all workspaces unless one is named).",
      SpendSummaryArgs)
def spend_summary_tool(ctx: ToolContext, args: SpendSummaryArgs) -> dict[str, Any]:
    from datetime import date

    from outsignal_pipelines.operations.spend import daily_spend

    import polars as pl

    frame = daily_spend(days=_PERIOD_DAYS[args.period](date.today()), workspace=args.workspace)
    providers = [] if frame.is_empty() else frame.group_by("provider").agg(
        pl.col("cost_usd").sum().round(4), pl.col("paid_calls").sum(), pl.col("calls").sum(),
    ).sort("cost_usd", descending=True).to_dicts()
    return {"period": args.period, "workspace": args.workspace, "total_usd": round(sum(p["cost_usd"] for p in providers), 4),
            "paid_calls": sum(p["paid_calls"] for p in providers), "results": providers}


@tool("delete_list", "Delete a list (its members stay in the database). Previews first; runs once confirmed.",
      SpendArgs, confirms=True)
def delete_list_tool(ctx: ToolContext, args: SpendArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.lists import delete_list, resolve_list

    workspace = _workspace(ctx, args.workspace)
    target = resolve_list(workspace, args.name)
    if (pending := _needs_confirmation(ctx, "delete_list", args, workspace, {
            "list": target.name, "members": target.member_count, "status": target.status,
            "estimated_cost_usd": 0.0})) is not None:
        return pending
    return {"deleted": target.name, "workspace": workspace, "members": delete_list(workspace, target.name)}


@tool("remove_from_list", "Remove the list's members who match a search (e.g. catch-all emails, score below 40).",
      RemoveArgs)
def remove_from_list_tool(ctx: ToolContext, args: RemoveArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.lists import remove_search_results

    workspace = _workspace(ctx, args.workspace)
    search = args.search.model_copy(update={"workspace": args.search.workspace or workspace})
    return {"list": args.name, **remove_search_results(workspace, args.name, _query(search, search.workspace))}


@tool("set_workspace", "Switch the workspace the conversation is about.", WorkspaceArgs)
def set_workspace_tool(ctx: ToolContext, args: WorkspaceArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.workspaces import get_workspace

    found = get_workspace(_workspace(ctx, args.workspace))
    ctx.workspace = found.slug
    return {"workspace": found.slug, "name": found.name}


def _needs_confirmation(ctx: ToolContext, tool_name: str, args: BaseModel, workspace: str,
                        preview: dict[str, Any]) -> dict[str, Any] | None:
    """None when this exact call was previewed and confirmed; else the preview with a fresh token."""
    from outsignal_pipelines.agent import confirmation

    about = {**args.model_dump(), "workspace": workspace}
    token = getattr(args, "confirmation_token", None) or ctx.confirmation_token
    if getattr(args, "confirm", False) and confirmation.redeem(token, tool_name, about):
        return None
    return {"requires_confirmation": True, **preview, "confirmation_token": confirmation.issue(tool_name, about)}


def _ran(request) -> dict[str, Any]:
    """A finished run's summary with where to find it; a failed run is the tool's error; a run still
    going (the daemon's queue was slow) says so and how to follow it."""
    if request.status == "failed":
        raise OperationError(request.error or f"run request #{request.id} failed")
    out = {**request.summary, "request_id": request.id, "dagster_run_id": request.dagster_run_id,
           "status": request.status}
    if request.status != "complete":
        out["note"] = f"{request.describe()}; it goes on in Dagster"
    return out


def _run(ctx: ToolContext, workspace: str, kind: str, name: str, params: dict[str, Any]) -> dict[str, Any]:
    from outsignal_pipelines import orchestration

    return _ran(orchestration.run(workspace, kind, name, params=params, requested_by=ctx.triggered_by,
                                  on_progress=ctx.on_progress))


@tool("enrich_list", "Find and verify emails and company data for a list (paid providers).", SpendArgs, spends=True)
def enrich_list_tool(ctx: ToolContext, args: SpendArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.estimates import enrichment_estimate

    workspace = _workspace(ctx, args.workspace)
    estimate = enrichment_estimate(workspace, args.name)
    if (pending := _needs_confirmation(ctx, "enrich_list", args, workspace, estimate)) is not None:
        return pending
    result = _run(ctx, workspace, "enrich", args.name, {})
    for key in ("people", "emails_found", "verified_valid", "paid_calls", "cost_usd", "skipped_by_dedup"):
        result.setdefault(key, 0)
    return result


@tool("score_list", "Score a list against the workspace ICP (people already scored are skipped).", SpendArgs,
      spends=True)
def score_list_tool(ctx: ToolContext, args: SpendArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.estimates import scoring_estimate

    workspace = _workspace(ctx, args.workspace)
    estimate = scoring_estimate(workspace, args.name)
    if estimate["scorer"] != "rules" and (
            pending := _needs_confirmation(ctx, "score_list", args, workspace, estimate)) is not None:
        return pending
    return _run(ctx, workspace, "score", args.name, {})


@tool("export_list", "Export a list's verified leads as CSV, or to EmailBison (attached to a campaign).", ExportArgs,
      spends=True)
def export_list_tool(ctx: ToolContext, args: ExportArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.export import verification_gate

    workspace = _workspace(ctx, args.workspace)
    gate = verification_gate(workspace, args.name).summary()
    if gate["state"] == "needs_verification":
        return {"refused": True, "gate": gate,
                "reason": f"{gate['needs_verification']} members have never been verified; enrich the list first "
                          f"(about ${gate['verify_cost_estimate_usd']:.2f})"}
    if args.to == "emailbison" and (pending := _needs_confirmation(ctx, "export_list", args, workspace, {
            "to": "emailbison", "leads": gate["ready"], "excluded": gate["blocked"],
            "excluded_reasons": gate["blocked_reasons"], "estimated_cost_usd": 0.0})) is not None:
        return pending
    result = _run(ctx, workspace, "export", args.name, {"to": args.to})
    if result.get("file"):
        # A download for the face to offer; the server path itself is not for the person reading.
        from pathlib import Path

        result["download"] = {"file_name": Path(result["file"]).name, "path": str(result["file"])}
    return result


@tool("send_to_review", "Send a list (building → pending_review) or a campaign's copy (draft → review) to the client.",
      ReviewArgs)
def send_to_review_tool(ctx: ToolContext, args: ReviewArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.review import send_campaign_to_review, send_list_to_review

    workspace = _workspace(ctx, args.workspace)
    if bool(args.list_name) == bool(args.campaign):
        raise OperationError("name exactly one list or one campaign to send")
    if args.list_name:
        return {"list": args.list_name, "status": send_list_to_review(workspace, args.list_name).status}
    return {"campaign": args.campaign, "status": send_campaign_to_review(workspace, args.campaign)[0].status}


class DeployArgs(BaseModel):
    workspace: str | None = None
    list_name: str | None = Field(None, description="An approved list (leads)")
    campaign: str | None = Field(None, description="An approved campaign copy (sequence steps)")


@tool("deploy", "Request a deploy of approved leads and/or copy to EmailBison; it runs in the background.",
      DeployArgs)
def deploy_tool(ctx: ToolContext, args: DeployArgs) -> dict[str, Any]:
    from outsignal_pipelines import orchestration

    record = orchestration.deploy(_workspace(ctx, args.workspace), args.list_name, args.campaign,
                                  requested_by=ctx.triggered_by, on_progress=ctx.on_progress)
    return {k: record[k] for k in ("id", "status", "path", "campaign_name", "request_id")}


@tool("deploy_status", "Deploy history and status of a list.", ListArgs)
def deploy_status_tool(ctx: ToolContext, args: ListArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.lists import resolve_list
    from outsignal_pipelines.operations.review import deploys

    workspace = _workspace(ctx, args.workspace)
    target = resolve_list(workspace, args.name)
    return {"list": target.name, "status": target.status, "deploys": deploys(workspace, target.id)}


# ------------------------------------------------------------------ results (read-only: nothing to confirm)

class ResultsArgs(BaseModel):
    workspace: str | None = None
    name: str | None = Field(None, description="A list's name; without one, the whole workspace")


class BestArgs(WorkspaceArgs):
    by: Literal["vertical", "seniority", "score_band", "finder_provider"] = Field(
        "vertical", description="What to compare reply rates across")


@tool("campaign_results", "What happened after the send for a list (or a whole workspace): sent, bounced, replies, "
      "interested, meetings and their rates.", ResultsArgs)
def campaign_results_tool(ctx: ToolContext, args: ResultsArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.results import list_results, workspace_results

    workspace = _workspace(ctx, args.workspace)
    if args.name:
        return list_results(workspace, args.name)
    result = workspace_results(workspace)
    return {"workspace": workspace, **result["totals"],
            "results": [{k: row[k] for k in ("list", "sent", "replied", "interested", "meetings", "reply_rate")}
                        for row in result["lists"]]}


@tool("best_replying", "Which vertical (or seniority, score band, email finder) replies most in a workspace, with "
      "reply rates and counts; groups with too little data are listed last.", BestArgs)
def best_replying_tool(ctx: ToolContext, args: BestArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.results import best_by

    return best_by(_workspace(ctx, args.workspace), args.by)


@tool("provider_bounces", "Bounce rate per email-finding provider, highest first (all workspaces unless one is "
      "named).", WorkspaceArgs)
def provider_bounces_tool(ctx: ToolContext, args: WorkspaceArgs) -> dict[str, Any]:
    from outsignal_pipelines.operations.results import bounce_by_provider

    return bounce_by_provider(args.workspace)


def call(name: str, ctx: ToolContext, arguments: dict[str, Any]) -> dict[str, Any]:
    """Validate arguments against the tool's schema and run it. Errors come back as {"error": ...}."""
    spec = REGISTRY.get(name)
    if spec is None:
        return {"error": f"unknown tool {name!r}; tools: {', '.join(REGISTRY)}"}
    try:
        args = spec.args.model_validate(arguments or {})
        return spec.run(ctx, args)
    except OperationError as exc:
        return {"error": str(exc)}
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        return {"error": f"invalid arguments for {name}: {str(exc).splitlines()[0]}"}


def openai_schemas() -> list[dict[str, Any]]:
    """The tools in the function-calling shape litellm passes to any model."""
    return [{"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": t.args.model_json_schema()}} for t in REGISTRY.values()]


def trimmed(result: dict[str, Any], rows: int = 10) -> dict[str, Any]:
    """A result small enough for an audit row or a model's context."""
    out = dict(result)
    if isinstance(out.get("results"), list) and len(out["results"]) > rows:
        out["results"] = out["results"][:rows] + [{"…": f"{len(result['results']) - rows} more"}]
    return out


