"""Where long work reports progress when it runs in-process under a caller that shows it (the CLI's
progress bar around an in-process Dagster materialisation). Default: nowhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Sink = Callable[[int, int], None]
_sink: ContextVar[Sink | None] = ContextVar("outsignal_progress_sink", default=None)


def current() -> Sink | None:
    return _sink.get()


@contextmanager
def reporting_to(sink: Sink | None) -> Iterator[None]:
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)
