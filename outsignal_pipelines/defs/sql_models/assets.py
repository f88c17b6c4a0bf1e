"""The dbt_like_sql models as Dagster assets, their assert_*.sql files as asset checks, and the store
tables they read as external assets, so lineage runs from raw tables to marts in the UI. The SQL
itself lives in dbt_like_sql/ and runs through operations.sql_models."""

import dagster as dg

from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.sql_models import SqlModel, SqlTest, check, materialise, project

STORE_TABLE_DESCRIPTIONS = {
    "people": "Workspace-agnostic people (one per email / LinkedIn / name+domain identity).",
    "companies": "Companies keyed by normalised domain; homepage crawl cache.",
    "person_workspaces": "Which client workspaces each person belongs to.",
    "workspaces": "Client workspaces and their ICP criteria.",
    "target_lists": "Named lists of people per workspace; one partition each.",
    "target_list_members": "List membership.",
    "enrichment_log": "Append-only provider call provenance; the never-pay-twice gate.",
    "icp_scores": "ICP score per person and workspace.",
}


def _source_spec(table: str) -> dg.AssetSpec:
    return dg.AssetSpec(key=dg.AssetKey(["store", table]), group_name="store", kinds={"duckdb"},
                        description=STORE_TABLE_DESCRIPTIONS.get(table, f"Store table {table}."))


def _deps(item: SqlModel | SqlTest) -> list[dg.AssetKey]:
    return [dg.AssetKey(["store", s]) for s in item.sources] + [dg.AssetKey(r) for r in item.refs]


def _model_asset(model: SqlModel) -> dg.AssetsDefinition:
    @dg.asset(name=model.name, group_name="sql_models", deps=_deps(model), kinds={"duckdb", "sql"},
              description=model.description or f"SQL model {model.path.name}",
              tags={"materialized": model.materialized})
    def _asset(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
        with store.bound():
            rows = materialise(model)
        context.log.info(f"built {model.materialized} {model.name}: {rows} rows")
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, "materialized": model.materialized,
                                              "sql": dg.MetadataValue.md(f"```sql\n{model.rendered()}\n```")})

    return _asset


def _test_check(test: SqlTest, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=asset_key, name=test.name, description=test.description or test.path.name, blocking=False)
    def _check(store: StoreResource) -> dg.AssetCheckResult:
        with store.bound():
            failing, sample = check(test)
        return dg.AssetCheckResult(passed=failing == 0, severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"failing_rows": failing, "sample": dg.MetadataValue.json(sample)})

    return _check


@dg.definitions
def sql_model_definitions() -> dg.Definitions:
    models, tests = project()
    tables = sorted({s for item in [*models.values(), *tests] for s in item.sources})
    assets: list = [_source_spec(t) for t in tables] + [_model_asset(m) for m in models.values()]
    checks = [_test_check(t, dg.AssetKey(t.asset) if t.asset in models else dg.AssetKey(["store", t.asset]))
              for t in tests]
    job = dg.define_asset_job("build_sql_models", selection=dg.AssetSelection.groups("sql_models"),
                              description="Rebuild every dbt_like_sql model and run its checks.")
    return dg.Definitions(assets=assets, asset_checks=checks, jobs=[job])
