"""Scoring a TargetList against its workspace's ICP. People already scored for the workspace are
skipped unless forced: no LLM call, no enrichment call. Scores land in icp_scores with the scorer
that produced them; LLM calls (and their cost) are also written to the ledger, so they count toward
the workspace's daily spend like every other paid call.

Every LLM question (a person's score for a workspace, a title's seniority) is claimed in
paid_call_claims before it is asked, like the waterfall's vendor calls: a second scorer running at the
same time waits for the first one's answer in the ledger and reuses it (`reused_in_flight`), so two
runs never pay for the same answer."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl
from pydantic import ValidationError

from outsignal_pipelines.domain.titles import normalise_title
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.clients import llm
from outsignal_pipelines.clients.base import ProviderResult
from outsignal_pipelines.operations.enrichment.claims import ANSWERED, ClaimBook, holder_name
from outsignal_pipelines.operations.enrichment.ledger import LedgerWriter, LogEntry, gate_key
from outsignal_pipelines.domain.icp_rules import SCORER_NAME, IcpRules, band, score_frame
from outsignal_pipelines.store import connect, read_view, transaction

BANDS = ("green", "amber", "grey")


@dataclass
class ScoreReport:
    list_id: str
    scorer: str
    scored: int = 0
    skipped_already_scored: int = 0
    failed: int = 0
    llm_calls: int = 0
    reused_in_flight: int = 0   # answers another scorer paid for while this one ran: reused, not asked
    cost_usd: float = 0.0
    distribution: dict[str, int] = field(default_factory=dict)
    histogram: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cost_usd"] = round(self.cost_usd, 6)
        data["errors"] = self.errors[:10]
        return data


def workspace_icp(workspace: str) -> tuple[str, IcpRules]:
    with connect() as con:
        row = con.execute("SELECT icp_criteria, icp_rules FROM workspaces WHERE slug = ?", [workspace]).fetchall()
    if not row:
        raise OperationError(f"unknown workspace {workspace!r}")
    criteria, rules_json = row[0]
    try:
        rules = IcpRules.model_validate(json.loads(rules_json) if rules_json else {})
    except (ValidationError, ValueError) as exc:
        raise OperationError(f"the ICP rules of {workspace!r} are not valid: {exc}") from exc
    return criteria or "", rules


def update_icp(workspace: str, criteria: str | None, rules: dict[str, Any]) -> IcpRules:
    """Validate and store a workspace's ICP (free text for the LLM, structured rules for the rules)."""
    try:
        parsed = IcpRules.model_validate(rules)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc") or ())
        message = first["msg"].removeprefix("Value error, ")
        raise OperationError(f"ICP rules not saved: {where + ': ' if where else ''}{message}") from exc
    with transaction() as con:
        updated = con.execute("UPDATE workspaces SET icp_criteria = ?, icp_rules = ? WHERE slug = ? RETURNING slug",
                              [(criteria or "").strip() or None, parsed.model_dump_json(), workspace]).fetchall()
    if not updated:
        raise OperationError(f"unknown workspace {workspace!r}")
    return parsed


_LEAD_SQL = """
SELECT p.id AS person_id, p.first_name, p.last_name, p.job_title, p.seniority, p.company_name,
       p.company_domain, p.location, coalesce(p.country, c.country) AS country,
       coalesce(p.vertical, c.industry) AS vertical, c.headcount, c.description AS company_description,
       left(c.crawl_markdown, {chars}) AS homepage
FROM target_list_members m
JOIN people p ON p.id = m.person_id
LEFT JOIN companies c ON c.domain = p.company_domain
WHERE m.list_id = ? {extra}
ORDER BY p.id
"""


def _leads(list_id: str, workspace: str, force: bool) -> tuple[pl.DataFrame, int]:
    extra = "" if force else ("AND NOT EXISTS (SELECT 1 FROM icp_scores s WHERE s.person_id = p.id "
                              "AND s.workspace_slug = ?)")
    params = [list_id] if force else [list_id, workspace]
    with connect() as con:
        leads = con.sql(_LEAD_SQL.format(chars=llm.HOMEPAGE_CHARS, extra=extra), params=params).pl()
        members = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [list_id]).fetchall()[0][0]
    return leads, members - leads.height


def _with_rule_seniority(leads: pl.DataFrame) -> pl.DataFrame:
    """Fill missing seniorities from titles by rule, so the scorer sees what the rules can settle."""
    if leads.is_empty():
        return leads
    missing = leads["seniority"].is_null() | (leads["seniority"] == "Unknown")
    if not missing.any():
        return leads
    levels = [normalise_title(t)[1] if m else s for t, s, m in zip(leads["job_title"], leads["seniority"], missing)]
    return leads.with_columns(pl.Series("seniority", levels, dtype=pl.String))


def score_list(workspace: str, list_name: str | None = None, *, list_id: str | None = None, force: bool = False,
               scorer: str | None = None, completion: llm.Completion | None = None,
               completion_kwargs: dict[str, Any] | None = None) -> ScoreReport:
    """Score every not-yet-scored member. scorer: 'rules', 'llm', or None (LLM when a model is set)."""
    target = resolve_list(workspace, list_name, list_id)
    model = llm.configured_model()
    use = scorer or ("llm" if model else "rules")
    if use not in ("rules", "llm"):
        raise OperationError("scorer must be 'rules' or 'llm'")
    if use == "llm" and not model:
        raise OperationError("the LLM scorer needs OUTSIGNAL_LLM_MODEL; without it the rule scorer is used")
    criteria, rules = workspace_icp(workspace)
    leads, skipped = _leads(target.id, workspace, force)
    leads = _with_rule_seniority(leads)
    report = ScoreReport(list_id=target.id, scorer=SCORER_NAME if use == "rules" else f"llm:{model}",
                         skipped_already_scored=skipped)
    if use == "llm":
        leads = asyncio.run(_llm_seniority(leads, model, completion, completion_kwargs or {}, workspace, force,
                                           report))
    if leads.is_empty():
        report.distribution, report.histogram = score_distribution(target.id, workspace)
        return report
    if use == "rules":
        scores = score_frame(leads, rules).with_columns(pl.lit(SCORER_NAME).alias("scorer"),
                                                         pl.lit(0.0).alias("cost_usd"))
    else:
        scores, reused = asyncio.run(_llm_scores(leads, criteria, rules, model, completion,
                                                 completion_kwargs or {}, workspace, force, report))
        # Another run stored these itself; ours only fill in where its store did not land (it died).
        _store(reused, workspace, keep_existing=True)
        report.scored += reused.height
    report.scored += scores.height
    _store(scores, workspace)
    report.distribution, report.histogram = score_distribution(target.id, workspace)
    return report


@asynccontextmanager
async def _claimed(workspace: str, force: bool) -> AsyncIterator[tuple[ClaimBook, LedgerWriter]]:
    """Claims and a ledger writer for one run's LLM questions. LLM calls reserve nothing against the
    daily cap (their price is known only afterwards); they count toward it once logged. A forced run
    reuses only answers that landed after it began."""
    since = None
    if force:
        with connect() as con:
            since = con.execute("SELECT current_timestamp::TIMESTAMP").fetchone()[0]
    book = ClaimBook(workspace, holder_name(f"score-{uuid.uuid4().hex[:12]}"), float("inf"), since=since)
    ledger = LedgerWriter()
    try:
        yield book, ledger
    finally:
        await book.close()
        await ledger.close()


async def _llm_seniority(leads: pl.DataFrame, model: str, completion, extra: dict, workspace: str, force: bool,
                         report: ScoreReport) -> pl.DataFrame:
    """The LLM fallback for titles no rule could place; answers outside the vocabulary or unsure are
    dropped, answers kept are written back to people whose seniority is still empty/Unknown."""
    unknown = leads.filter((pl.col("seniority").is_null() | (pl.col("seniority") == "Unknown"))
                           & pl.col("job_title").is_not_null())
    titles = sorted(set(unknown["job_title"].to_list()))
    if not titles:
        return leads
    provider = f"llm:{model}"
    semaphore = asyncio.Semaphore(max(1, llm.concurrency_limit()))

    async def one(title: str, book: ClaimBook, ledger: LedgerWriter) -> str | None:
        outcome, answer = await book.claim(gate_key("person", 0, provider, f"seniority:{title}"), 0.0)
        if outcome == ANSWERED:
            report.reused_in_flight += 1
            return answer.fields.get("value")
        async with semaphore:
            asked = await llm.llm_classify("seniority", title, model, completion, **extra)
        verdict = "found" if asked.value else "not_found" if asked.error is None else "error"
        await ledger.log(LogEntry("person", 0, provider, f"seniority:{title}", verdict,
                                  ProviderResult(provider, verdict, fields={"value": asked.value}),
                                  asked.cost_usd, asked.error, workspace_slug=workspace, claim_holder=book.holder))
        return asked.value

    async with _claimed(workspace, force) as (book, ledger):
        values = await asyncio.gather(*(one(t, book, ledger) for t in titles))
    decided = {t: v for t, v in zip(titles, values) if v}
    with transaction() as con:
        for title, level in decided.items():
            con.execute("UPDATE people SET seniority = ? WHERE job_title = ? AND (seniority IS NULL OR seniority = 'Unknown')",
                        [level, title])
    return leads.with_columns(pl.when(pl.col("job_title").is_in(list(decided)) &
                                      (pl.col("seniority").is_null() | (pl.col("seniority") == "Unknown")))
                              .then(pl.col("job_title").replace_strict(decided, default=None))
                              .otherwise(pl.col("seniority")).alias("seniority"))


async def _llm_scores(leads: pl.DataFrame, criteria: str, rules: IcpRules, model: str, completion,
                      extra: dict, workspace: str, force: bool,
                      report: ScoreReport) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(scores asked for by this run, scores reused from another run that asked at the same time)."""
    rows = leads.to_dicts()
    lead_fields = ("first_name", "last_name", "job_title", "seniority", "company_name", "company_domain",
                   "location", "country", "vertical", "headcount", "company_description")
    provider, question = f"llm:{model}", f"icp:{workspace}"
    semaphore = asyncio.Semaphore(max(1, llm.concurrency_limit()))
    scored, reused = [], []

    async def one(row: dict, book: ClaimBook, ledger: LedgerWriter) -> None:
        pid = row["person_id"]
        outcome, answer = await book.claim(gate_key("person", pid, provider, question), 0.0)
        if outcome == ANSWERED:
            try:
                verdict = llm.Verdict.model_validate(answer.fields)
            except ValidationError:
                report.failed += 1
                report.errors.append(f"person {pid}: the logged answer has no verdict; score again with force")
                return
            report.reused_in_flight += 1
            reused.append({**_score_row(pid, verdict, model), "cost_usd": 0.0})
            return
        async with semaphore:
            asked = await llm.llm_score(criteria, rules.model_dump(), {k: row.get(k) for k in lead_fields},
                                        row.get("homepage"), model, completion, **extra)
        report.llm_calls += asked.calls
        report.cost_usd += asked.cost_usd
        verdict = asked.value
        # The answer is in the ledger (settling the claim) before anything is stored from it.
        await ledger.log(LogEntry("person", pid, provider, question, "found" if verdict else "error",
                                  ProviderResult(provider, "found", fields=verdict.model_dump()) if verdict else None,
                                  asked.cost_usd, asked.error, workspace_slug=workspace, claim_holder=book.holder))
        if verdict is None:
            report.failed += 1
            report.errors.append(f"person {pid}: {asked.error}")
            return
        scored.append({**_score_row(pid, verdict, model), "cost_usd": asked.cost_usd})

    async with _claimed(workspace, force) as (book, ledger):
        await asyncio.gather(*(one(r, book, ledger) for r in rows))
    schema = {"person_id": pl.Int64, "score": pl.Int32, "reasoning": pl.String, "confidence": pl.String,
              "scorer": pl.String, "cost_usd": pl.Float64}
    return pl.DataFrame(scored, schema=schema), pl.DataFrame(reused, schema=schema)


def _score_row(person_id: int, verdict: llm.Verdict, model: str) -> dict:
    return {"person_id": person_id, "score": verdict.score, "reasoning": verdict.reasoning,
            "confidence": verdict.confidence, "scorer": f"llm:{model}"}


def _store(scores: pl.DataFrame, workspace: str, keep_existing: bool = False) -> None:
    if scores.is_empty():
        return
    frame = scores.with_columns(pl.lit(workspace).alias("workspace_slug"))  # noqa: F841 - read by DuckDB
    on_conflict = "DO NOTHING" if keep_existing else (
        "DO UPDATE SET score = excluded.score, reasoning = excluded.reasoning, confidence = excluded.confidence, "
        "scorer = excluded.scorer, cost_usd = excluded.cost_usd, scored_at = excluded.scored_at")
    with transaction() as con:
        con.execute(
            f"""INSERT INTO icp_scores (person_id, workspace_slug, score, reasoning, confidence, scorer, cost_usd, scored_at)
               SELECT person_id, workspace_slug, score, reasoning, confidence, scorer, cost_usd, current_timestamp
               FROM frame
               ON CONFLICT (person_id, workspace_slug) {on_conflict}""")


def score_distribution(list_id: str, workspace: str) -> tuple[dict[str, int], dict[str, int]]:
    """(bands: green/amber/grey/unscored counts, histogram: 10-point buckets) for a list. Read from the app
    server's read copy and remembered there (the Lists page asks it for every list on every rerun)."""
    with read_view() as view:
        bands, histogram = view.remember(("score_distribution", list_id, workspace),
                                         lambda con: _distribution(con, list_id, workspace))
    return dict(bands), dict(histogram)


def _distribution(con, list_id: str, workspace: str) -> tuple[dict[str, int], dict[str, int]]:
    scores = [r[0] for r in con.execute(
        """SELECT s.score FROM target_list_members m
           LEFT JOIN icp_scores s ON s.person_id = m.person_id AND s.workspace_slug = ?
           WHERE m.list_id = ?""", [workspace, list_id]).fetchall()]
    bands = {b: 0 for b in (*BANDS, "unscored")}
    histogram = {f"{lo}-{lo + 9 if lo < 90 else 100}": 0 for lo in range(0, 100, 10)}
    for score in scores:
        bands[band(score)] += 1
        if score is not None:
            lo = min(score // 10 * 10, 90)
            histogram[f"{lo}-{lo + 9 if lo < 90 else 100}"] += 1
    return bands, histogram


def list_scores(list_id: str, workspace: str, limit: int = 500) -> pl.DataFrame:
    """Members with their score for the workspace, best first (unscored last), and the score's band
    (green/amber/grey/unscored, from the one definition in domain.icp_rules). Read from the app server's
    read copy and remembered there: the Lists page shows it for every list on every rerun."""
    with read_view() as view:
        return view.remember(("list_scores", list_id, workspace, int(limit)),
                             lambda con: _scores(con, list_id, workspace, int(limit)))


def _scores(con, list_id: str, workspace: str, limit: int) -> pl.DataFrame:
    scores = con.sql(
        """SELECT p.id AS person_id, trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')) AS name,
                  p.job_title, p.company_name, p.email_status, s.score, s.confidence, s.scorer, s.reasoning
           FROM target_list_members m JOIN people p ON p.id = m.person_id
           LEFT JOIN icp_scores s ON s.person_id = p.id AND s.workspace_slug = ?
           WHERE m.list_id = ? ORDER BY s.score DESC NULLS LAST, p.id LIMIT ?""",
        params=[workspace, list_id, limit]).pl()
    return scores.with_columns(pl.Series("band", [band(score) for score in scores["score"].to_list()], dtype=pl.String))


def scoring_model() -> str | None:
    """The LLM model scores use, or None when the rule scorer takes over (pages say which)."""
    return llm.configured_model()
