"""The store resource. It hands out the same short-lived connections as every other process, and
binds its path for the operations an asset or sensor calls, so `path` really decides which store a
run works on (no environment patching)."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from outsignal_pipelines import settings
from outsignal_pipelines.operations import setup


class StoreResource(dg.ConfigurableResource):
    """The lead store. `path` empty means the default (OUTSIGNAL_DB, else data/outsignal.duckdb); a
    shared warehouse's URL works the same (only the store helper tells them apart)."""

    path: str = ""

    def resolved_path(self) -> str:
        return self.path or settings.store_url()

    @contextmanager
    def bound(self) -> Iterator[None]:
        """Operations called inside use this resource's store."""
        with setup.using_store(self.resolved_path()):
            yield


def store_resource() -> StoreResource:
    """OUTSIGNAL_DB through dg.EnvVar (the UI shows the variable, resolved at launch), else the default."""
    return StoreResource(path=dg.EnvVar("OUTSIGNAL_DB")) if settings.store_configured() else StoreResource()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"store": store_resource()})
