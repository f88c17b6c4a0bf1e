"""One Dagster partition per TargetList, keyed by the list's stable id ('rise.rise-q1'), and the
sensor that keeps the partitions equal to the lists in the store."""

import dagster as dg

from outsignal_pipelines.defs.resources import StoreResource
from outsignal_pipelines.operations.lists import list_ids

TARGET_LISTS = "target_lists"
target_lists_partitions = dg.DynamicPartitionsDefinition(name=TARGET_LISTS)


def partition_changes(current: list[str], wanted: list[str]) -> tuple[list[str], list[str]]:
    """(keys to add, keys to delete) so the partitions equal the lists in the store."""
    have, want = set(current), set(wanted)
    return sorted(want - have), sorted(have - want)


@dg.sensor(
    name="target_list_partitions",
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keeps the target_lists partitions equal to the lists in the store (adds new, removes deleted).",
)
def target_list_partitions_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    with store.bound():
        wanted = list_ids()
    add, delete = partition_changes(context.instance.get_dynamic_partitions(TARGET_LISTS), wanted)
    if not add and not delete:
        return dg.SkipReason(f"partitions already match the {len(wanted)} lists in the store")
    requests: list = []
    if add:
        requests.append(target_lists_partitions.build_add_request(add))
    if delete:
        requests.append(target_lists_partitions.build_delete_request(delete))
    context.log.info(f"adding {add}, removing {delete}")
    return dg.SensorResult(dynamic_partitions_requests=requests)
