"""No traceback reaches a person. Anything a page did not expect is logged in full with a short
reference, and the person sees one plain sentence with that reference (no paths, PIDs or code), so a
client can quote it and the admin can find the log line.

Streamlit's own control flow (st.rerun, st.stop) derives from BaseException and passes through.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from outsignal_pipelines.operations import StoreError

log = logging.getLogger("outsignal.pages")

MESSAGE = ("Something went wrong on our side and this page could not finish. Please try again in a "
           "minute; if it keeps happening, quote reference {ref} to your agency.")
BUSY = ("We are busy updating your data and could not finish this in time. Please try again in a "
        "minute; if it keeps happening, quote reference {ref} to your agency.")


def new_reference() -> str:
    """A short reference that is easy to read aloud and unique enough to find one log line."""
    return secrets.token_hex(4).upper()


def report(exc: BaseException, where: str) -> str:
    """Log `exc` with its traceback under a new reference; show the plain message; return the reference."""
    ref = new_reference()
    log.error("page error %s in %s: %s", ref, where, type(exc).__name__, exc_info=exc)
    text = BUSY if isinstance(exc, StoreError) else MESSAGE
    st.error(text.format(ref=ref), icon=":material/error:")
    return ref


@contextmanager
def shown_plainly(where: str, stop: bool = False) -> Iterator[None]:
    """Run a page (or part of the router) so that an unexpected error shows a reference, not a
    traceback; with `stop`, nothing after the block runs (the router cannot go on without it)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the last line of defence before a person's screen
        report(exc, where)
        if stop:
            st.stop()
