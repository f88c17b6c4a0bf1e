"""Seed tweaks the agent tests share."""

from __future__ import annotations

import pytest

from outsignal_pipelines.store import connect


@pytest.fixture
def verify_everyone():
    """Mark every unverified email as checked, so the export gate lets the list through."""
    def run() -> None:
        with connect() as con:
            con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    return run


@pytest.fixture
def plant_fintech_ctos():
    """Make sure Rise has fintech CTOs with verified email (the small test seed may have none)."""
    def run(n: int = 3) -> None:
        with connect() as con:
            con.execute("""UPDATE people SET job_title = 'CTO', vertical = 'Accounting & Finance', email_status = 'valid'
                           WHERE id IN (SELECT p.id FROM people p JOIN person_workspaces w ON w.person_id = p.id
                                        WHERE w.workspace_slug = 'rise' AND p.email IS NOT NULL ORDER BY p.id LIMIT ?)""", [n])
    return run
