"""One run path. Every enrichment, scoring, export and deploy, whichever face asks for it, is filed
here as a run request; Dagster then runs the list's partition (the daemon's queue when it runs, the
asking process in-process when it does not) and its steps report back here.

A request claims its list in `run_locks` in the same transaction that files it, with the primary
key as the guard, so two runs of one list never overlap: the second request is refused with a
message that names the first. A run that is launched without a request (an operator's
"Materialize" in the Dagster UI, a schedule) claims the list the same way at its first step. A lock
whose lease ran out (the process holding it died) is taken over, and its request marked failed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import duckdb

from outsignal_pipelines import settings
from outsignal_pipelines.operations import NotFound, OperationError
from outsignal_pipelines.operations.lists import TargetList
from outsignal_pipelines.store import connect, expect_changes, transaction

KINDS = ("enrich", "score", "export", "deploy", "reverify")
# The steps a request of each kind is complete after (one per asset or op of its run).
STEPS: dict[str, tuple[str, ...]] = {
    "enrich": ("people", "companies", "verify"),
    "reverify": ("verify",),
    "score": ("score",),
    "export": ("export",),
    "deploy": ("deploy",),
}
VERBS = {"enrich": "enriched", "reverify": "re-verified", "score": "scored", "export": "exported",
         "deploy": "deployed"}
FINISHED = ("complete", "failed")
QUEUED_LEASE = timedelta(minutes=30)     # how long a request may wait for the daemon's queue
RUNNING_LEASE = timedelta(minutes=10)    # renewed by every progress report of a running step
PROGRESS_EVERY_SECONDS = 2.0


class ListBusy(OperationError):
    """The list already has a run queued or running."""

    def __init__(self, message: str, request: RunRequest):
        super().__init__(message)
        self.request = request


@dataclass
class RunRequest:
    id: int
    workspace_slug: str
    list_id: str | None
    lock_key: str
    kind: str
    params: dict[str, Any]
    status: str
    requested_by: str
    dagster_run_id: str | None
    steps_done: dict[str, Any]
    error: str | None
    progress_done: int | None
    progress_total: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    list_name: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("created_at", "started_at", "finished_at"):
            out[key] = out[key].isoformat(sep=" ", timespec="seconds") if out[key] else None
        return out

    def describe(self) -> str:
        """One line a person can read: what, on which list, where it stands."""
        what = f"{self.kind} of {self.list_name or self.list_id or self.lock_key}"
        if self.status == "queued":
            return f"{what} is queued (request #{self.id})"
        if self.status == "running":
            done = f" ({self.progress_done}/{self.progress_total})" if self.progress_total else ""
            return f"{what} is running{done} (request #{self.id}, Dagster run {self.dagster_run_id or '?'})"
        if self.status == "failed":
            return f"{what} failed (request #{self.id}): {self.error}"
        return f"{what} is complete (request #{self.id}, Dagster run {self.dagster_run_id})"


_COLUMNS = ("id", "workspace_slug", "list_id", "lock_key", "kind", "params", "status", "requested_by",
            "dagster_run_id", "steps_done", "error", "progress_done", "progress_total", "created_at",
            "started_at", "finished_at")
_SELECT = ("SELECT " + ", ".join(f"r.{c}" for c in _COLUMNS) + ", l.name FROM run_requests r "
           "LEFT JOIN target_lists l ON l.id = r.list_id")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _row(row: tuple) -> RunRequest:
    values = dict(zip(_COLUMNS, row[: len(_COLUMNS)]))
    values["params"] = json.loads(values["params"] or "{}")
    values["steps_done"] = json.loads(values["steps_done"] or "{}")
    request = RunRequest(**values, list_name=row[len(_COLUMNS)])
    request.summary = summarise(request.kind, request.steps_done)
    return request


def expected_steps(kind: str, params: dict[str, Any]) -> tuple[str, ...]:
    """The steps that complete a request: its kind's, or those of the run that filed it itself."""
    return tuple(params.get("steps") or STEPS[kind])


def summarise(kind: str, steps_done: dict[str, Any]) -> dict[str, Any]:
    """The request's result as one flat dict: the step summaries merged, money and counts added up."""
    merged: dict[str, Any] = {}
    for step in steps_done:
        for key, value in (steps_done.get(step) or {}).items():
            if isinstance(value, bool):
                merged[key] = bool(merged.get(key)) or value
            elif key in merged and isinstance(value, (int, float)) \
                    and isinstance(merged[key], (int, float)) and not isinstance(merged[key], bool):
                merged[key] = round(merged[key] + value, 6)
            elif key == "by_provider" and isinstance(value, dict) and isinstance(merged.get(key), dict):
                for provider, stats in value.items():
                    into = merged[key].setdefault(provider, {})
                    for stat, n in stats.items():
                        into[stat] = round(into.get(stat, 0) + n, 6)
            else:
                merged[key] = value
    return merged


def _lock_key(workspace: str, list_id: str | None, campaign: str | None) -> str:
    if list_id:
        return list_id
    if not campaign:
        raise OperationError("a run needs a list (or, for a copy-only deploy, a campaign)")
    return f"campaign:{workspace}:{campaign}"


# ------------------------------------------------------------------ filing

def request_run(workspace: str, kind: str, *, target: TargetList | None = None, campaign: str | None = None,
                params: dict[str, Any] | None = None, requested_by: str = "cli",
                con: duckdb.DuckDBPyConnection | None = None) -> RunRequest:
    """File a run request and claim its list, in one transaction (the caller's, when `con` is given).
    Refused with ListBusy while another request of the same list is queued or running."""
    if kind not in KINDS:
        raise OperationError(f"unknown run kind {kind!r}; choose from {', '.join(KINDS)}")
    if target is not None and target.workspace_slug != workspace:
        raise NotFound(f"no list {target.name!r} in workspace {workspace!r}")
    list_id = target.id if target else None
    key = _lock_key(workspace, list_id, campaign)
    for attempt in range(2):
        try:
            if con is not None:
                request_id = _file(con, workspace, list_id, key, kind, params or {}, requested_by)
            else:
                with transaction() as own:
                    request_id = _file(own, workspace, list_id, key, kind, params or {}, requested_by)
            break
        except duckdb.ConstraintException:
            retry = attempt == 0 and con is None
            if retry and _take_over_if_expired(key):
                continue
            holder = _holder(key)
            if holder is None and retry:
                continue  # released meanwhile
            if holder is None:
                raise OperationError(f"{key} is busy; try again in a moment") from None
            raise ListBusy(f"{holder.list_name or key} is busy: {holder.describe()}. "
                           f"Wait for it to finish, then ask again.", holder) from None
    else:
        raise OperationError(f"{key} is busy; try again in a moment")
    if con is not None:
        return _fetch(con, request_id)
    return get_request(request_id)


def _file(con: duckdb.DuckDBPyConnection, workspace: str, list_id: str | None, key: str, kind: str,
          params: dict[str, Any], requested_by: str) -> int:
    request_id = con.execute(
        """INSERT INTO run_requests (workspace_slug, list_id, lock_key, kind, params, requested_by)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING id""",
        [workspace, list_id, key, kind, json.dumps(params), requested_by]).fetchone()[0]
    con.execute("INSERT INTO run_locks (lock_key, request_id, lease_expires_at) VALUES (?, ?, ?)",
                [key, request_id, _now() + QUEUED_LEASE])
    return request_id


def _holder(key: str) -> RunRequest | None:
    with connect() as con:
        row = con.execute(_SELECT + " JOIN run_locks k ON k.request_id = r.id WHERE k.lock_key = ?", [key]).fetchone()
    return _row(row) if row else None


def _take_over_if_expired(key: str) -> bool:
    """Free a lock whose lease ran out; its request is marked failed. True when one was freed."""
    with transaction() as con:
        row = con.execute("DELETE FROM run_locks WHERE lock_key = ? AND lease_expires_at < ? RETURNING request_id",
                          [key, _now()]).fetchone()
        if row is None:
            return False
        con.execute("""UPDATE run_requests SET status = 'failed', finished_at = ?, error = coalesce(error,
                       'the run stopped reporting (its process ended?) and its lease ran out')
                       WHERE id = ? AND status NOT IN ('complete', 'failed')""", [_now(), row[0]])
    return True


# ------------------------------------------------------------------ reading

def _fetch(con: duckdb.DuckDBPyConnection, request_id: int) -> RunRequest:
    row = con.execute(_SELECT + " WHERE r.id = ?", [request_id]).fetchone()
    if row is None:
        raise NotFound(f"no run request #{request_id}")
    return _row(row)


def get_request(request_id: int, workspace: str | None = None, *, linger: bool = True) -> RunRequest:
    with connect(linger=linger) as con:
        request = _fetch(con, int(request_id))
    if workspace is not None and request.workspace_slug != workspace:
        raise NotFound(f"no run request #{request_id} in workspace {workspace!r}")
    return request


def list_requests(workspace: str | None = None, list_id: str | None = None, limit: int = 50) -> list[RunRequest]:
    with connect() as con:
        rows = con.execute(_SELECT + " WHERE (? IS NULL OR r.workspace_slug = ?) AND (? IS NULL OR r.list_id = ?) "
                           "ORDER BY r.id DESC LIMIT ?", [workspace, workspace, list_id, list_id, limit]).fetchall()
    return [_row(r) for r in rows]


def queued_after(request_id: int) -> list[RunRequest]:
    """Requests waiting for a run, oldest first, filed after `request_id` (the sensor's cursor)."""
    with connect() as con:
        rows = con.execute(_SELECT + " WHERE r.id > ? AND r.status = 'queued' ORDER BY r.id",
                           [int(request_id)]).fetchall()
    return [_row(r) for r in rows]


def wait_for(request_id: int, on_progress: Callable[[int, int], None] | None = None,
             timeout: float | None = None, poll_seconds: float = 1.0) -> RunRequest:
    """Follow a request until it finishes (or `timeout`), relaying its progress. Each poll opens and
    closes the store at once, so the run it follows (another process) can always write."""
    deadline = time.monotonic() + (timeout if timeout is not None else settings.run_wait_timeout_seconds())
    while True:
        request = get_request(request_id, linger=False)
        if on_progress and request.progress_total:
            on_progress(request.progress_done or 0, request.progress_total)
        if request.finished or time.monotonic() >= deadline:
            if request.finished:
                expect_changes()   # whoever followed it sees what the run wrote at once
            return request
        time.sleep(poll_seconds)


# ------------------------------------------------------------------ what runs report

def begin_step(*, run_id: str, step: str, kind: str, request_id: int | None, list_id: str | None,
               run_steps: tuple[str, ...] = (), requested_by: str = "dagster",
               retry_of: str | None = None) -> RunRequest:
    """Called by each step of a run before it works. A run of a request takes the request over
    (only one run executes a request at a time); a run without one files its own and claims the list.
    A retry of the run that held the request (`retry_of`: Dagster's parent run, relaunched after its
    worker died) takes it over from its parent."""
    if request_id is None:
        request_id = _request_of_run(run_id)
    if request_id is None:
        if list_id is None:
            raise OperationError("a run without a request needs a list partition")
        from outsignal_pipelines.operations.lists import list_by_id

        target = list_by_id(list_id)
        request_id = request_run(target.workspace_slug, kind, target=target, requested_by=requested_by,
                                 params={"steps": list(run_steps or STEPS[kind])}).id
    with transaction() as con:
        row = con.execute(
            """UPDATE run_requests SET status = 'running', dagster_run_id = ?, started_at = coalesce(started_at, ?)
               WHERE id = ? AND status IN ('queued', 'running')
                 AND (dagster_run_id IS NULL OR dagster_run_id = ? OR dagster_run_id = ?)
               RETURNING id""", [run_id, _now(), int(request_id), run_id, retry_of]).fetchone()
        request = _fetch(con, int(request_id))
        if row is None:
            if request.finished:
                raise OperationError(f"request #{request.id} is already {request.status}; file a new one")
            raise OperationError(f"request #{request.id} is already being run by Dagster run {request.dagster_run_id}")
        con.execute("UPDATE run_locks SET lease_expires_at = ? WHERE request_id = ?",
                    [_now() + RUNNING_LEASE, request.id])
    return request


def _request_of_run(run_id: str) -> int | None:
    with connect() as con:
        row = con.execute("SELECT id FROM run_requests WHERE dagster_run_id = ? ORDER BY id DESC LIMIT 1",
                          [run_id]).fetchone()
    return row[0] if row else None


def finish_step(request_id: int, step: str, summary: dict[str, Any]) -> RunRequest:
    """Record a step's summary; the last expected step completes the request and frees its list."""
    with transaction() as con:
        request = _fetch(con, request_id)
        done = {**request.steps_done, step: summary}
        complete = all(s in done for s in expected_steps(request.kind, request.params))
        con.execute("UPDATE run_requests SET steps_done = ?, status = ?, finished_at = ? WHERE id = ?",
                    [json.dumps(done, default=str), "complete" if complete else request.status,
                     _now() if complete else None, request_id])
        if complete:
            con.execute("DELETE FROM run_locks WHERE request_id = ?", [request_id])
        return _fetch(con, request_id)


def fail(request_id: int, error: str) -> RunRequest:
    """The run failed: the request says why and its list is free again."""
    with transaction() as con:
        con.execute("UPDATE run_requests SET status = 'failed', error = ?, finished_at = ? "
                    "WHERE id = ? AND status NOT IN ('complete', 'failed')", [error[:2000], _now(), request_id])
        con.execute("DELETE FROM run_locks WHERE request_id = ?", [request_id])
        return _fetch(con, request_id)


def progress_reporter(request_id: int, relay: Callable[[int, int], None] | None = None,
                      every_seconds: float = PROGRESS_EVERY_SECONDS) -> Callable[[int, int], None]:
    """A progress callback for long steps: relays at once to an in-process caller and writes to the
    request (renewing its lease) at most every few seconds, so followers in other processes see it."""
    last = [0.0]

    def report(done: int, total: int) -> None:
        if relay:
            relay(done, total)
        now = time.monotonic()
        if now - last[0] < every_seconds and done < total:
            return
        last[0] = now
        try:
            with transaction() as con:
                con.execute("UPDATE run_requests SET progress_done = ?, progress_total = ? WHERE id = ?",
                            [int(done), int(total), request_id])
                con.execute("UPDATE run_locks SET lease_expires_at = ? WHERE request_id = ?",
                            [_now() + RUNNING_LEASE, request_id])
        except Exception:  # noqa: BLE001 - a busy store must never fail the work it reports on
            last[0] = now - every_seconds / 2

    return report
