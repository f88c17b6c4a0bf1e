"""The offline planner against the corpus of everyday phrasings (tests/agent/corpus.py): every turn
read in its conversation, compared with the tool and arguments its words ask for. The figure is
printed; the bar is 95% exactly right."""

from __future__ import annotations

import pytest

from outsignal_pipelines.agent.conversation import Conversation
from outsignal_pipelines.agent.offline_planner import understand
from outsignal_pipelines.operations.lists import create_list
from tests.agent.corpus import ASK, CONVERSATIONS, count


@pytest.fixture
def corpus_lists(seeded_store):
    """The lists the corpus talks about, beside the demo's Rise Q1 / Lime Hiring Managers / YoopKnows Practices."""
    for name in ("Mission Q1", "Abort 1", "Abort 2"):
        create_list("rise", name)


def _verdict(plan, tool, args) -> bool:
    if tool == ASK:
        return plan.tool is None and plan.outcome == "complete" and bool(plan.reply)
    if tool is None:
        return plan.tool is None
    return plan.tool == tool and plan.args == args


def test_the_corpus_is_big_enough():
    assert count() >= 200


def test_the_offline_planner_reads_the_corpus(corpus_lists, capsys):
    right, wrong = 0, []
    for focus, turns in CONVERSATIONS:
        conv = Conversation(workspace=focus)
        for message, tool, *rest in turns:
            args = rest[0] if rest else None
            plan = understand(message, conv)
            if _verdict(plan, tool, args):
                right += 1
            else:
                wrong.append(f"{message!r}: expected {tool} {args}, got {plan.tool} {plan.args} {plan.reply or ''}")
    share = right / count()
    with capsys.disabled():
        print(f"\noffline planner corpus: {right}/{count()} exactly right ({share:.1%})")
        for line in wrong:
            print("  MISS", line)
    assert share >= 0.95
