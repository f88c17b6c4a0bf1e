"""The memo of a read copy: one computation per question, however many ask at once; a failure is not
remembered; old answers make room for new ones."""

from __future__ import annotations

import threading
import time

import pytest

from outsignal_pipelines.store.memo import Memo


def test_many_threads_asking_the_same_question_compute_it_once():
    memo, calls = Memo(), []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(memo.get_or_compute("q", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [42] * 8 and len(calls) == 1
    assert (memo.misses, memo.hits) == (1, 7)


def test_a_failure_is_not_remembered():
    memo = Memo()
    with pytest.raises(ValueError):
        memo.get_or_compute("q", lambda: (_ for _ in ()).throw(ValueError("store busy")))
    assert memo.get_or_compute("q", lambda: "ok") == "ok"


def test_the_oldest_answers_go_first():
    memo = Memo(capacity=2)
    for key in ("a", "b"):
        memo.get_or_compute(key, lambda key=key: key)
    memo.get_or_compute("a", lambda: "recomputed")        # a is now the newest
    memo.get_or_compute("c", lambda: "c")                 # b goes
    assert memo.get_or_compute("a", lambda: "recomputed") == "a"
    assert memo.get_or_compute("b", lambda: "recomputed") == "recomputed"
