"""The memo of a read copy: one computation per question, however many ask at once; a failure is not
remembered; old answers make room for new ones."""

from __future__ import annotations

import threading
import time

import pytest

from outsignal_pipelines.store.memo import Memo


def test_many_threads_asking_the_same_question_compute_it_once():
    memo, calls = Memo(), []

    def slow(_con) -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(memo.get_or_compute("q", slow, None))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [42] * 8 and len(calls) == 1
    assert (memo.misses, memo.hits) == (1, 7)


def test_a_failure_is_not_remembered():
    memo = Memo()
    with pytest.raises(ValueError):
        memo.get_or_compute("q", lambda _: (_ for _ in ()).throw(ValueError("store busy")), None)
    assert memo.get_or_compute("q", lambda _: "ok", None) == "ok"


def test_the_oldest_answers_go_first():
    memo = Memo(capacity=2)
    for key in ("a", "b"):
        memo.get_or_compute(key, lambda _, key=key: key, None)
    memo.get_or_compute("a", lambda _: "recomputed", None)        # a is now the newest
    memo.get_or_compute("c", lambda _: "c", None)                 # b goes
    assert memo.get_or_compute("a", lambda _: "recomputed", None) == "a"
    assert memo.get_or_compute("b", lambda _: "recomputed", None) == "recomputed"


def test_the_next_copy_is_warmed_with_what_people_asked_lately_and_only_that(monkeypatch):
    from outsignal_pipelines.store import memo as memo_module

    clock = [1000.0]
    monkeypatch.setattr(memo_module.time, "monotonic", lambda: clock[0])
    memo = Memo()
    memo.get_or_compute("long ago", lambda con: "stale", "copy 1")
    clock[0] += memo_module.RECENT_SECONDS + 1
    memo.get_or_compute("old", lambda con: f"old on {con}", "copy 1")
    clock[0] += 1
    memo.get_or_compute("new", lambda con: f"new on {con}", "copy 1")
    memo.get_or_compute("warmed only", lambda con: "nobody asked", "copy 1", asked=False)
    assert [key for key, _, _ in memo.recent(10)] == ["new", "old"]
    assert [recipe("copy 2") for _, recipe, _ in memo.recent(1)] == ["new on copy 2"]
    # Warming carries when a person asked, so a question asked once keeps being warmed for a while,
    # whether or not it is asked again of each copy, and then stops.
    nxt = Memo()
    for key, recipe, at in memo.recent(10):
        nxt.get_or_compute(key, recipe, "copy 2", asked=False, asked_at=at)
    assert [key for key, _, _ in nxt.recent(10)] == ["new", "old"]
    clock[0] += memo_module.RECENT_SECONDS
    assert [key for key, _, _ in nxt.recent(10)] == ["new"]
