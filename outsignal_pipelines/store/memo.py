"""Answers computed from one read copy of the store, kept for as long as that copy serves.

A copy never changes once made, so an answer computed from it stays right for the copy's whole life,
and throwing the copy away (a pipeline wrote, or this process wrote) throws its answers away with it.
No rule about when to forget is needed beyond that. It pays off because Streamlit runs a page's script
again on every click, and ten admins look at the same few lists: the same search is asked again and
again between two copies.

Each answer keeps its recipe (a function of a connection), so that the next copy can be warmed with
the questions people were asking before anyone waits for it (`recent`). Two threads asking the same
question at once compute it once: the second waits for the first.

While a run writes, a copy lives a few seconds, and warming does not always finish every question on the
new one (each is a scan at a million people, and the run has the CPU). A question the warming did not
reach is carried over from the copy before (`inherit`) with the time its data is from, and served
while that data is at most a bounded age old (three lags: 9 s under `outsignal serve`); whoever asks it
gets that answer and its time (the page says how fresh), and warming does the oldest of them first.
Nothing is carried over to a copy made for this process's own write."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timezone
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
        self._inherited: dict[Hashable, datetime] = {}   # answers of an older copy: when their data is from
        self._carry_limit = 0.0                           # seconds: older carried-over data is not served
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, recipe: Recipe, con: Any, asked: bool = True,
                       asked_at: float | None = None) -> Any:
        """`asked=False`: warming, not a person; `asked_at` carries when a person last asked it."""
        return self.answer(key, recipe, con, asked, asked_at)[0]

    def answer(self, key: Hashable, recipe: Recipe, con: Any, asked: bool = True,
               asked_at: float | None = None) -> tuple[Any, datetime | None]:
        """The answer, and when its data is from if it was carried over from an older copy (None: this
        copy's own). Warming computes a carried-over question again on this copy."""
        while True:
            with self._lock:
                if asked or asked_at is not None:
                    self._asked[key] = time.monotonic() if asked else asked_at
                carried = self._inherited.get(key)
                if carried is not None and (datetime.now(timezone.utc) - carried).total_seconds() > self._carry_limit:
                    self._answers.pop(key, None)   # too old to serve now: whoever asks computes it
                    self._inherited.pop(key, None)
                if key in self._answers and (asked or key not in self._inherited):
                    self._answers.move_to_end(key)
                    if asked:
                        self.hits += 1
                        Memo.total_hits += 1
                    return self._answers[key], self._inherited.get(key)
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
            self._answers.move_to_end(key)
            self._recipes[key] = recipe
            self._inherited.pop(key, None)
            self._trim()
            self._pending.pop(key, None)
        pending.set()
        return answer, None

    def _trim(self) -> None:
        while len(self._answers) > self._capacity:
            gone, _ = self._answers.popitem(last=False)
            self._recipes.pop(gone, None)
            self._asked.pop(gone, None)
            self._inherited.pop(gone, None)

    def inherit(self, older: Memo, older_as_of: datetime, max_age: float) -> int:
        """Carry over the answers of the copy before that this one does not have, with when their data
        is from, unless that is more than `max_age` seconds ago. Returns how many."""
        now = datetime.now(timezone.utc)
        self._carry_limit = max_age
        with older._lock:
            carried = [(k, a, older._recipes[k], older._inherited.get(k, older_as_of))
                       for k, a in older._answers.items() if k in older._recipes]
            asked = dict(older._asked)
        count = 0
        with self._lock:
            for key, answer, recipe, as_of in carried:
                if key in self._answers or (now - as_of).total_seconds() > max_age:
                    continue
                self._answers[key] = answer
                self._answers.move_to_end(key, last=False)   # the copy's own answers stay the newest
                self._recipes[key] = recipe
                self._inherited[key] = as_of
                if key in asked:
                    self._asked.setdefault(key, asked[key])
                count += 1
            self._trim()
        return count

    def recent(self, limit: int, within: float = RECENT_SECONDS) -> list[tuple[Hashable, Recipe, float]]:
        """The questions people asked in the last `within` seconds (of this copy or, carried over, of
        the ones before), with when: what to warm the next copy with. Answers carried over from older
        copies come first, oldest data first (they are the next to expire), then the most recently asked."""
        now = time.monotonic()
        with self._lock:
            asked = [(k, at) for k, at in self._asked.items() if now - at <= within and k in self._recipes]
            asked.sort(key=lambda pair: (pair[0] not in self._inherited,
                                         self._inherited[pair[0]].timestamp() if pair[0] in self._inherited else 0.0,
                                         -pair[1]))
            return [(k, self._recipes[k], at) for k, at in asked[:limit]]
