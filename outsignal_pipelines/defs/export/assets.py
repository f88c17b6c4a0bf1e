"""The verification gate's output per list: a CSV of exportable leads (plus who was excluded and
why), or the same leads upserted into the workspace's EmailBison campaign."""

from typing import Optional

import dagster as dg

from outsignal_pipelines.defs.lists.partitions import target_lists_partitions
from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.defs.run_steps import run_step
from outsignal_pipelines.operations.emailbison_export import export_to_emailbison
from outsignal_pipelines.operations.export import export_csv
from outsignal_pipelines.operations.lists import list_by_id


class ExportConfig(dg.Config):
    to: str = "csv"                      # csv | emailbison
    out: Optional[str] = None            # noqa: UP045 - Dagster config needs typing.Optional
    campaign_id: Optional[int] = None    # noqa: UP045


@dg.asset(partitions_def=target_lists_partitions, group_name="export", deps=["verified_emails", "icp_scores"],
          kinds={"csv", "python"}, pool="emailbison",
          description="Only verified ('valid') members leave: a CSV with an excluded-and-why report, or an "
                      "EmailBison campaign with the leads attached. Refused while anyone needs verification.")
def verified_export(context: dg.AssetExecutionContext, store: StoreResource, config: ExportConfig) -> dg.MaterializeResult:
    def work(request, _progress):
        target = list_by_id(context.partition_key)
        to = request.params.get("to") or config.to
        if to == "emailbison":
            result = export_to_emailbison(target.workspace_slug, target.name,
                                          campaign_id=request.params.get("campaign_id") or config.campaign_id,
                                          allow_overlap=bool(request.params.get("allow_overlap")))
        else:
            result = export_csv(target.workspace_slug, target.name, request.params.get("out") or config.out)
        return {"to": to, **result}

    with store.bound():
        summary = run_step(context, "export", "export", work)
    meta = {"to": summary["to"], "exported": summary["exported"],
            "excluded": dg.MetadataValue.json(summary.get("excluded") or {})}
    if summary.get("file"):
        meta["file"] = dg.MetadataValue.path(summary["file"])
    if summary.get("campaign_id"):
        meta["emailbison_campaign_id"] = summary["campaign_id"]
    if summary.get("skipped"):
        meta["skipped"] = dg.MetadataValue.json(summary["skipped"])
    return dg.MaterializeResult(metadata=meta)
