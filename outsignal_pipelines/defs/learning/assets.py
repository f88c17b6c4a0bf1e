"""Workspace-level assets that learn from outcomes: the ICP calibration (does the score predict replies,
and which rule weights to change) and the provider quality (cost per delivered email per finder, and the
finder order it recommends), for every workspace with deployed lists. They only report: the admin applies
a suggestion on the Settings page (operations.calibration.apply_weights,
operations.provider_quality.apply_finder_order), never a run. The rules are in those operations."""

import dagster as dg

from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.calibration import calibrate
from outsignal_pipelines.operations.provider_quality import provider_quality
from outsignal_pipelines.operations.workspaces import list_workspaces

GROUP = "learning"


def _pct(value: float | None) -> float:
    return round((value or 0.0) * 100, 1)


@dg.asset(group_name=GROUP, kinds={"python"}, deps=["campaign_outcomes"],
          description="Per workspace: reply rate per ICP score band (95% Wilson interval), whether the score "
                      "predicts replies, and the rule weights the outcomes suggest. Applied by the admin only.")
def icp_calibration(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    rows, bands = [], []
    with store.bound():
        for workspace in list_workspaces():
            report = calibrate(workspace.slug)
            if not report.sent:
                continue
            rows.append(dg.TableRecord({"workspace": workspace.slug, "sent": report.sent, "replies": report.replies,
                                        "verdict": report.predictiveness.state,
                                        "suggested_weights": ", ".join(f"{k} {report.current_weights[k]}→{v}"
                                                                       for k, v in report.suggested_weights.items())}))
            bands += [dg.TableRecord({"workspace": workspace.slug, "band": b["band"], "delivered": b["delivered"],
                                      "replies": b["replies"], "reply_pct": _pct(b["reply_rate"]),
                                      "ci_low_pct": _pct(b["ci_low"]), "ci_high_pct": _pct(b["ci_high"])})
                      for b in report.bands]
    context.log.info(f"calibrated {len(rows)} workspace(s) with results")
    return dg.MaterializeResult(metadata={
        "workspaces": len(rows),
        "verdicts": dg.MetadataValue.table(rows, schema=dg.TableSchema(columns=[
            dg.TableColumn("workspace", "string"), dg.TableColumn("sent", "int"), dg.TableColumn("replies", "int"),
            dg.TableColumn("verdict", "string"), dg.TableColumn("suggested_weights", "string")])),
        "reply_rate_by_band": dg.MetadataValue.table(bands, schema=dg.TableSchema(columns=[
            dg.TableColumn("workspace", "string"), dg.TableColumn("band", "string"),
            dg.TableColumn("delivered", "int"), dg.TableColumn("replies", "int"), dg.TableColumn("reply_pct", "float"),
            dg.TableColumn("ci_low_pct", "float"), dg.TableColumn("ci_high_pct", "float")]))})


@dg.asset(name="provider_quality", group_name=GROUP, kinds={"python"}, deps=["campaign_outcomes"],
          description="Per workspace and email finder: sent, delivered, bounce rate, finder spend and cost per "
                      "delivered email, and the recommended finder order. Applied by the admin only.")
def provider_quality_asset(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    rows, orders = [], []
    with store.bound():
        for workspace in list_workspaces():
            quality = provider_quality(workspace.slug)
            if quality.by_finder.is_empty():
                continue
            rows += [dg.TableRecord({"workspace": workspace.slug, "finder": r["finder"], "sent": r["sent"],
                                     "delivered": r["delivered"], "bounce_pct": _pct(r["bounce_rate"]),
                                     "cost_usd": round(r["cost_usd"], 4),
                                     "cost_per_delivered_usd": round(r["cost_per_delivered"] or 0.0, 5)})
                     for r in quality.by_finder.to_dicts()]
            orders.append(dg.TableRecord({"workspace": workspace.slug, "current": " → ".join(quality.current_order),
                                          "recommended": " → ".join(quality.advice.recommended),
                                          "reason": quality.advice.reason}))
    context.log.info(f"provider quality for {len(orders)} workspace(s) with results")
    return dg.MaterializeResult(metadata={
        "workspaces": len(orders),
        "by_finder": dg.MetadataValue.table(rows, schema=dg.TableSchema(columns=[
            dg.TableColumn("workspace", "string"), dg.TableColumn("finder", "string"), dg.TableColumn("sent", "int"),
            dg.TableColumn("delivered", "int"), dg.TableColumn("bounce_pct", "float"),
            dg.TableColumn("cost_usd", "float"), dg.TableColumn("cost_per_delivered_usd", "float")])),
        "finder_orders": dg.MetadataValue.table(orders, schema=dg.TableSchema(columns=[
            dg.TableColumn("workspace", "string"), dg.TableColumn("current", "string"),
            dg.TableColumn("recommended", "string"), dg.TableColumn("reason", "string")]))})
