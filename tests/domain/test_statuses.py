"""Every legal move of every status machine is allowed and every other move is refused."""

from __future__ import annotations

import itertools

import pytest

from outsignal_pipelines.domain.statuses import MACHINES, IllegalTransition, transition

LEGAL = {
    "list": {("building", "pending_review"), ("pending_review", "approved"), ("pending_review", "rejected"),
             ("approved", "deployed"), ("rejected", "building")},
    "draft": {("draft", "review"), ("review", "approved"), ("review", "rejected"), ("rejected", "draft")},
    "deploy": {("pending", "running"), ("running", "complete"), ("running", "failed"), ("failed", "pending")},
}
ALL_MOVES = [(m, a, b) for m, states in MACHINES.items() for a, b in itertools.product(states, states)]


@pytest.mark.parametrize("machine, current, target", ALL_MOVES)
def test_every_move(machine, current, target):
    if (current, target) in LEGAL[machine]:
        assert transition(machine, current, target) == target
    else:
        with pytest.raises(IllegalTransition) as info:
            transition(machine, current, target)
        assert repr(current) in str(info.value) and repr(target) in str(info.value)


def test_unknown_statuses_are_refused():
    with pytest.raises(IllegalTransition, match="unknown status"):
        transition("list", "building", "shipped")
