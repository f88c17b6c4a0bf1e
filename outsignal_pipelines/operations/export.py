"""The verification gate and the CSV export. Only members whose email verified `valid` ever leave:
while anyone still needs verification the export refuses (and says what verifying would cost);
after verification, everyone else is excluded with the reason."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from outsignal_pipelines import settings
from outsignal_pipelines.domain.untrusted_text import spreadsheet_row
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.enrichment.waterfall import DEFAULT_VERIFIER
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.clients.registry import cost_usd
from outsignal_pipelines.store import connect, read_view

CSV_COLUMNS = ("first_name", "last_name", "email", "job_title", "company_name", "company_domain", "linkedin_url",
               "phone", "location", "vertical", "seniority", "icp_score", "icp_reasoning", "company_industry",
               "company_headcount", "company_location", "company_year_founded", "company_description")


@dataclass
class Gate:
    list_id: str
    list_name: str
    ready: pl.DataFrame
    needs_verification: pl.DataFrame
    blocked: pl.DataFrame        # with a `reason` column
    verify_cost_estimate_usd: float = 0.0
    state: str = field(init=False)

    def __post_init__(self) -> None:
        if self.needs_verification.height:
            self.state = "needs_verification"
        elif self.ready.height:
            self.state = "ready"
        else:
            self.state = "nothing_exportable"

    def summary(self) -> dict:
        reasons = (self.blocked.group_by("reason").len().sort("len", descending=True).iter_rows()
                   if self.blocked.height else [])
        return {"state": self.state, "ready": self.ready.height, "needs_verification": self.needs_verification.height,
                "blocked": self.blocked.height, "blocked_reasons": dict(reasons),
                "verify_cost_estimate_usd": self.verify_cost_estimate_usd}


_MEMBERS_SQL = """
SELECT p.id AS person_id, p.first_name, p.last_name, p.email, p.email_status, p.job_title, p.company_name,
       p.company_domain, p.linkedin_url, p.phone, p.location, p.vertical, p.seniority,
       s.score AS icp_score, s.reasoning AS icp_reasoning, c.industry AS company_industry,
       c.headcount AS company_headcount, c.location AS company_location, c.year_founded AS company_year_founded,
       c.description AS company_description
FROM target_list_members m
JOIN people p ON p.id = m.person_id
LEFT JOIN companies c ON c.domain = p.company_domain
LEFT JOIN icp_scores s ON s.person_id = p.id AND s.workspace_slug = ?
WHERE m.list_id = ?
ORDER BY s.score DESC NULLS LAST, p.id
"""


def verification_gate(workspace: str, list_name: str | None = None, *, list_id: str | None = None,
                      verifier: str = DEFAULT_VERIFIER) -> Gate:
    target = resolve_list(workspace, list_name, list_id)
    with connect() as con:
        members = con.sql(_MEMBERS_SQL, params=[workspace, target.id]).pl()
    return _gate(members, target.id, target.name, verifier)


def gate_summary(workspace: str, list_name: str | None = None, *, list_id: str | None = None,
                 verifier: str = DEFAULT_VERIFIER) -> dict:
    """What a page shows of the gate (`Gate.summary()`), by the same rule on the members' email columns
    only, read from the app server's read copy and remembered there. Exports never use it: they read
    the gate live (`exportable_gate`)."""
    target = resolve_list(workspace, list_name, list_id)
    with read_view() as view:
        summary = view.remember(("gate_summary", target.id, verifier), lambda con: _gate(
            con.sql(_EMAIL_STATES_SQL, params=[target.id]).pl(), target.id, target.name, verifier).summary())
    return {**summary, "blocked_reasons": dict(summary["blocked_reasons"])}


def _gate(members: pl.DataFrame, list_id: str, list_name: str, verifier: str) -> Gate:
    has_email = pl.col("email").is_not_null()
    ready = members.filter(has_email & (pl.col("email_status") == "valid"))
    needs = members.filter(has_email & pl.col("email_status").is_null())
    blocked = members.filter(~has_email | (pl.col("email_status").is_not_null() & (pl.col("email_status") != "valid")))
    blocked = blocked.with_columns(
        pl.when(pl.col("email").is_null()).then(pl.lit("no email found"))
        .otherwise(pl.lit("email verified as ") + pl.col("email_status")).alias("reason"))
    return Gate(list_id, list_name, ready, needs, blocked, round(cost_usd(verifier, needs.height), 4))


_EMAIL_STATES_SQL = """
SELECT p.id AS person_id, p.email, p.email_status
FROM target_list_members m JOIN people p ON p.id = m.person_id
WHERE m.list_id = ?
"""


def exportable_gate(workspace: str, list_name: str) -> Gate:
    """The gate every export goes through: refuses while any member has never been verified, saying
    how many and what verifying them would cost."""
    gate = verification_gate(workspace, list_name)
    if gate.state == "needs_verification":
        raise OperationError(
            f"{gate.needs_verification.height} members of {list_name!r} have never been verified, so nothing is "
            f"exported yet. Verify them first (about ${gate.verify_cost_estimate_usd:.2f}): "
            f"outsignal enrich --list \"{list_name}\" --workspace {workspace}")
    return gate


def export_file_name(list_name: str, when: date | None = None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", list_name.lower()).strip("_") or "list"
    return f"{slug}_{(when or date.today()).isoformat()}.csv"


def write_csv(rows: pl.DataFrame, path: Path, columns: tuple[str, ...]) -> None:
    """Write the file, or refuse with what went wrong (a full disk, a folder we may not write to)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(spreadsheet_row(columns))
            for row in rows.select(columns).iter_rows():
                writer.writerow(spreadsheet_row(row))
    except OSError as exc:
        if path.is_file():
            path.unlink(missing_ok=True)  # no half-written export left behind
        reason = exc.strerror or type(exc).__name__
        raise OperationError(f"could not write the export to {path}: {reason.lower()}") from None


def export_csv(workspace: str, list_name: str, out: str | Path | None = None) -> dict:
    """Write the list's ready members to CSV, plus a report of who was excluded and why."""
    gate = exportable_gate(workspace, list_name)
    target = Path(out) if out else settings.data_dir() / "exports" / export_file_name(list_name)
    if target.is_dir():
        target = target / export_file_name(list_name)
    write_csv(gate.ready, target, CSV_COLUMNS)
    excluded_file = None
    if gate.blocked.height:
        excluded_file = target.with_name(target.stem + "_excluded.csv")
        write_csv(gate.blocked, excluded_file, ("first_name", "last_name", "email", "company_name", "reason"))
    summary = gate.summary()
    return {"exported": gate.ready.height, "excluded": {"needs_verification": 0, "blocked": gate.blocked.height},
            "blocked_reasons": summary["blocked_reasons"], "file": str(target), "excluded_file": str(excluded_file)
            if excluded_file else None}
