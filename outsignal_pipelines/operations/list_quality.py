"""A list's quality summary (coverage, verified share, verticals, ICP bands): reads lists and scores,
so it sits above both and neither needs the other."""

from __future__ import annotations

from outsignal_pipelines.operations.lists import get_list_by_name
from outsignal_pipelines.operations.scoring import score_distribution
from outsignal_pipelines.store import connect


def list_summary(workspace_slug: str, name: str) -> dict:
    """The quality summary of a list: coverage, verified share, verticals, ICP bands."""
    with connect() as con:
        target = get_list_by_name(con, workspace_slug, name)
        cursor = con.execute("SELECT * FROM list_stats WHERE list_id = ?", [target.id])
        names = [d[0] for d in cursor.description]
        stats = dict(zip(names, cursor.fetchall()[0]))
        verticals = dict(con.execute(
            """SELECT coalesce(l.vertical, 'Unknown'), count(*) FROM target_list_members m
               JOIN lead_search l ON l.person_id = m.person_id WHERE m.list_id = ? GROUP BY 1 ORDER BY 2 DESC""",
            [target.id]).fetchall())
    members = stats["members"] or 0

    def share(key: str) -> float:
        return round(stats[key] / members, 3) if members else 0.0

    bands, histogram = score_distribution(target.id, workspace_slug)
    return {"id": target.id, "name": target.name, "workspace": workspace_slug, "status": target.status,
            "members": members, "email_coverage": share("with_email"), "linkedin_coverage": share("with_linkedin"),
            "domain_coverage": share("with_domain"), "verified_share": share("verified_valid"),
            "needs_verification": stats["needs_verification"], "verticals": verticals,
            "icp_bands": bands, "icp_histogram": histogram}


def member_coverage(list_id: str) -> dict:
    """Members and the share with email, LinkedIn, domain and a verified email (the list_members asset)."""
    with connect() as con:
        members, email, linkedin, domain, verified = con.execute(
            """SELECT count(*), count(*) FILTER (WHERE has_email), count(*) FILTER (WHERE has_linkedin),
                      count(*) FILTER (WHERE has_domain), count(*) FILTER (WHERE has_verified_email)
               FROM target_list_members m JOIN lead_search l ON l.person_id = m.person_id
               WHERE m.list_id = ?""", [list_id]).fetchone()

    def share(n: int) -> float:
        return round(n / members, 3) if members else 0.0

    return {"members": members, "email_coverage": share(email), "linkedin_coverage": share(linkedin),
            "domain_coverage": share(domain), "verified_share": share(verified)}
