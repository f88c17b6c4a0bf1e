"""Tables people read: column names in words ("Job title", not job_title) and no `None` cells.

One map of labels, so the same field is called the same thing on every page."""

from __future__ import annotations

import polars as pl

LABELS = {
    "band": "Fit", "score": "Fit score", "name": "Name", "job_title": "Job title", "company_name": "Company",
    "email_status": "Email status", "confidence": "Confidence", "scorer": "Scorer", "reasoning": "Why this score",
    "campaign_name": "Campaign", "status": "Status", "lead_count": "Leads", "step_count": "Steps",
    "created_at": "Started", "finished_at": "Finished", "error": "Problem",
    "list_name": "List", "workspace": "Workspace", "members": "Members", "with_email": "With email",
    "with_linkedin": "With LinkedIn", "with_domain": "With company domain", "verified_valid": "Verified valid",
    "needs_verification": "Emails to verify",
}
EMPTY = "—"


def readable(frame: pl.DataFrame, columns: list[str], empty: dict[str, str] | None = None) -> pl.DataFrame:
    """`columns` of `frame`, renamed for people, every missing value shown as `empty[column]` or "—".

    Times read as "2026-11-26 09:30". A column with missing values becomes text, so a number and
    "Not scored" can share it."""
    if frame.is_empty():
        return pl.DataFrame({LABELS.get(c, c): [] for c in columns})
    empty = empty or {}
    out = frame.select(columns)
    out = out.with_columns(pl.col(c).dt.strftime("%Y-%m-%d %H:%M") for c in columns
                           if isinstance(out[c].dtype, (pl.Datetime, pl.Date)))
    out = out.with_columns(pl.col(c).cast(pl.String).fill_null(empty.get(c, EMPTY))
                           for c in columns if out[c].null_count())
    return out.rename({c: LABELS.get(c, c) for c in columns})
