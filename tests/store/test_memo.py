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


def test_a_question_the_warming_did_not_reach_is_carried_over_with_the_time_of_its_data():
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    old = Memo()
    old.get_or_compute("reached", lambda con: f"reached on {con}", "copy 1")
    old.get_or_compute("not reached", lambda con: f"not reached on {con}", "copy 1")
    new = Memo()
    new.get_or_compute("reached", lambda con: f"reached on {con}", "copy 2", asked=False)   # the warming
    assert new.inherit(old, now - timedelta(seconds=4), max_age=9) == 1
    calls = []
    answer, data_from = new.answer("not reached", lambda con: calls.append(con) or "computed", "copy 2")
    assert (answer, data_from, calls) == ("not reached on copy 1", now - timedelta(seconds=4), [])
    assert new.answer("reached", lambda con: "computed", "copy 2") == ("reached on copy 2", None)
    # Warming does the carried-over questions first, oldest data first, and computes them on its copy.
    assert [key for key, _, _ in new.recent(10)] == ["not reached", "reached"]
    newest = Memo()
    key, recipe, at = new.recent(1)[0]
    newest.inherit(new, now, max_age=9)
    assert newest.answer(key, recipe, "copy 3", asked=False) == ("not reached on copy 3", None)
    assert newest.answer(key, recipe, "copy 3") == ("not reached on copy 3", None)   # now its own answer


def test_nothing_is_carried_over_once_its_data_is_older_than_the_bound():
    from datetime import datetime, timedelta, timezone

    old = Memo()
    old.get_or_compute("q", lambda con: "old", "copy 1")
    new = Memo()
    assert new.inherit(old, datetime.now(timezone.utc) - timedelta(seconds=10), max_age=9) == 0
    assert new.answer("q", lambda con: "computed", "copy 2") == ("computed", None)


def test_a_carried_over_answer_is_not_served_once_its_data_is_older_than_the_bound():
    from datetime import datetime, timedelta, timezone

    old = Memo()
    old.get_or_compute("q", lambda con: "old", "copy 1")
    new = Memo()
    assert new.inherit(old, datetime.now(timezone.utc) - timedelta(seconds=0.5), max_age=3.0) == 1
    assert new.answer("q", lambda con: "computed", "copy 2")[0] == "old"
    time.sleep(3.0)   # the copy served on; the carried data is now older than the bound
    assert new.answer("q", lambda con: "computed", "copy 2") == ("computed", None)
