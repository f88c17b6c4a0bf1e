"""Answers computed from one read copy of the store, kept for as long as that copy serves.

A copy never changes once made, so an answer computed from it stays right for the copy's whole life,
and throwing the copy away (a pipeline wrote, or this process wrote) throws its answers away with it.
No rule about when to forget is needed beyond that. It pays off because Streamlit runs a page's script
again on every click, and ten admins look at the same few lists: the same search is asked again and
again between two copies.

Each answer keeps its recipe (a function of a connection), so that the next copy can be warmed with
the questions people were asking before anyone waits for it (`recent`). Two threads asking the same
question at once compute it once: the second waits for the first."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MEMO_ENTRIES = 256
WAIT_FOR_OTHER_SECONDS = 60.0
RECENT_SECONDS = 60.0     # a question asked within this long is worth warming the next copy with

Recipe = Callable[[Any], Any]   # connection → answer


class Memo:
    # Over every memo of this process, for benchmarks and the status line: how often one answered.
    total_hits = 0
    total_misses = 0

    def __init__(self, capacity: int = MEMO_ENTRIES):
        self._capacity = capacity
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._recipes: dict[Hashable, Recipe] = {}
        self._asked: dict[Hashable, float] = {}  # when someone last asked it (monotonic), across copies
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, recipe: Recipe, con: Any, asked: bool = True,
                       asked_at: float | None = None) -> Any:
        """`asked=False`: warming, not a person; `asked_at` carries when a person last asked it."""
        while True:
            with self._lock:
                if asked or asked_at is not None:
                    self._asked[key] = time.monotonic() if asked else asked_at
                if key in self._answers:
                    self._answers.move_to_end(key)
                    if asked:
                        self.hits += 1
                        Memo.total_hits += 1
                    return self._answers[key]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = threading.Event()
                    if asked:
                        self.misses += 1
                        Memo.total_misses += 1
                    break
            # Someone else is computing it: wait, then look again (if they failed, we compute).
            pending.wait(WAIT_FOR_OTHER_SECONDS)
        try:
            answer = recipe(con)
        except BaseException:
            with self._lock:
                self._pending.pop(key, None)
            pending.set()
            raise
        with self._lock:
            self._answers[key] = answer
            self._recipes[key] = recipe
            while len(self._answers) > self._capacity:
                gone, _ = self._answers.popitem(last=False)
                self._recipes.pop(gone, None)
                self._asked.pop(gone, None)
            self._pending.pop(key, None)
        pending.set()
        return answer

    def recent(self, limit: int, within: float = RECENT_SECONDS) -> list[tuple[Hashable, Recipe, float]]:
        """The questions people asked in the last `within` seconds (of this copy or, carried over, of
        the ones before), most recent first, with when: what to warm the next copy with."""
        now = time.monotonic()
        with self._lock:
            fresh = sorted(((at, k) for k, at in self._asked.items()
                            if now - at <= within and k in self._recipes), key=lambda pair: pair[0], reverse=True)
            return [(k, self._recipes[k], at) for at, k in fresh[:limit]]
