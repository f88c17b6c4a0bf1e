"""Per-list assets. `list_members` is the head of each list's pipeline: it records who is on the
list and how complete their data is, so every later step starts from a known snapshot."""


import dagster as dg

from outsignal_pipelines.defs.partitions import target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource


@dg.asset(
    partitions_def=target_lists_partitions,
    group_name="lists",
    deps=[dg.AssetKey("lead_search"), dg.AssetKey(["store", "target_list_members"])],
    kinds={"duckdb"},
    description="Members of one TargetList with contact coverage (email, LinkedIn, domain, verified).",
)
def list_members(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    list_id = context.partition_key
    with store.connect() as con:
        row = con.execute("SELECT name, workspace_slug, status FROM target_lists WHERE id = ?", [list_id]).fetchone()
        if row is None:
            raise dg.Failure(description=f"TargetList {list_id!r} no longer exists in the store", allow_retries=False)
        stats = con.execute(
            """SELECT count(*), count(*) FILTER (WHERE has_email), count(*) FILTER (WHERE has_linkedin),
                      count(*) FILTER (WHERE has_domain), count(*) FILTER (WHERE has_verified_email)
               FROM target_list_members m JOIN lead_search l ON l.person_id = m.person_id
               WHERE m.list_id = ?""",
            [list_id],
        ).fetchone()
    members, email, linkedin, domain, verified = stats

    def share(n: int) -> float:
        return round(n / members, 3) if members else 0.0

    return dg.MaterializeResult(metadata={
        "list": row[0], "workspace": row[1], "status": row[2],
        "dagster/row_count": members,
        "email_coverage": share(email), "linkedin_coverage": share(linkedin),
        "domain_coverage": share(domain), "verified_share": share(verified),
    })
