"""`outsignal enrich` (and later the chat's enrich tool): run the enrichment assets of a list through
Dagster and fold their reports into one summary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from outsignal_pipelines.operations.enrichment.list_enrichment import list_coverage
from outsignal_pipelines.operations.lists import resolve_list
from outsignal_pipelines.operations.pipelines import materialize_for_list

_SUMMED = ("paid_calls", "cost_usd", "skipped_by_dedup")
_PROVIDER_FIELDS = ("calls", "paid_calls", "cost_usd", "found", "not_found", "errors", "skipped_by_dedup")


def enrich_list_via_dagster(workspace: str, list_name: str, force: bool = False,
                            on_progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    from outsignal_pipelines.defs.enrichment import (
        company_profiles,
        enriched_people,
        no_duplicate_emails,
        spend_within_cap,
        verified_emails,
    )

    target = resolve_list(workspace, list_name)
    config = {"force": force}
    run_config = {"ops": {name: {"config": config} for name in ("enriched_people", "company_profiles",
                                                                 "verified_emails")}}
    reports = materialize_for_list(target.id, [enriched_people, company_profiles, verified_emails],
                                   checks=[no_duplicate_emails, spend_within_cap], run_config=run_config,
                                   on_progress=on_progress)
    summary: dict[str, Any] = {"list_id": target.id, "people": reports.get("enriched_people", {}).get("people", 0),
                               "emails_found": reports.get("enriched_people", {}).get("emails_found", 0)}
    for key in _SUMMED:
        summary[key] = round(sum(r.get(key, 0) for r in reports.values()), 6)
    summary["cap_reached"] = any(r.get("cap_reached") for r in reports.values())
    by_provider: dict[str, dict[str, Any]] = {}
    for report in reports.values():
        for row in report.get("by_provider", []):
            merged = by_provider.setdefault(row["provider"], {f: 0 for f in _PROVIDER_FIELDS})
            for f in _PROVIDER_FIELDS:
                merged[f] = round(merged[f] + row.get(f, 0), 6)
    summary["by_provider"] = by_provider
    coverage = list_coverage(target.id)
    summary["verified_valid"] = coverage.get("verified_valid", 0)
    summary["with_email"] = coverage.get("with_email", 0)
    return summary
