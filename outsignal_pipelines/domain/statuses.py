"""The status machines. Every status change in the product goes through `transition`, which refuses
an illegal move with a message that says what is allowed from where."""

from __future__ import annotations

from outsignal_pipelines.domain.errors import Refused

MACHINES: dict[str, dict[str, tuple[str, ...]]] = {
    # building → pending_review → approved | rejected → deployed; rejected → building when reworked
    "list": {"building": ("pending_review",), "pending_review": ("approved", "rejected"),
             "approved": ("deployed",), "rejected": ("building",), "deployed": ()},
    # draft → review → approved | rejected; rejected → draft when edited again
    "draft": {"draft": ("review",), "review": ("approved", "rejected"), "rejected": ("draft",), "approved": ()},
    # pending → running → complete | failed; failed → pending on retry
    "deploy": {"pending": ("running",), "running": ("complete", "failed"), "failed": ("pending",), "complete": ()},
}
NOUNS = {"list": "a list", "draft": "a copy draft", "deploy": "a deploy"}


class IllegalTransition(Refused):
    pass


def allowed(machine: str, current: str) -> tuple[str, ...]:
    return MACHINES[machine].get(current, ())


def transition(machine: str, current: str, target: str) -> str:
    """`target` if the move is legal, else IllegalTransition naming the legal moves."""
    states = MACHINES[machine]
    if current not in states or target not in states:
        raise IllegalTransition(f"unknown status for {NOUNS[machine]}: {current!r} → {target!r}")
    if target not in states[current]:
        options = states[current]
        where = f"only to {' or '.join(repr(o) for o in options)}" if options else "nowhere (it is final)"
        raise IllegalTransition(f"{NOUNS[machine]} in {current!r} can move {where}, not to {target!r}")
    return target
