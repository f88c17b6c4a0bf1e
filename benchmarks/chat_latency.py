"""Chat turn latency with the offline planner (goal: < 300 ms a turn, excluding the tool's own work).

Every phrasing of the chat corpus (tests/agent/corpus.py), in its conversation, on a seeded store:
1. planner only: `understand()` (reads the live workspace and list names, resolves, corrects, plans);
2. whole turn through `chat()` (agent run opened and closed, planner, reply, tables) minus the time
   spent inside the tool itself. Turns whose tool starts a Dagster run (enrich, score, export, deploy)
   are left out of (2): their time is the run's, not the chat's.

Usage: python benchmarks/chat_latency.py [--people 100000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = {"enrich_list", "score_list", "export_list", "deploy"}


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1), "max_ms": round(ordered[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args, _ = parser.parse_known_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        os.environ["OUTSIGNAL_DB"] = str(Path(folder) / "bench.duckdb")
        os.environ.pop("OUTSIGNAL_LLM_MODEL", None)
        # As in the app server (see store.connection._Linger): the reader keeps DuckDB warm for 1 s.
        os.environ.setdefault("OUTSIGNAL_DB_LINGER_SECONDS", "1")
        from outsignal_pipelines.agent import chat as chat_module
        from outsignal_pipelines.agent import tools
        from outsignal_pipelines.agent.conversation import Conversation
        from outsignal_pipelines.agent.offline_planner import understand
        from outsignal_pipelines.operations.demo_data import seed_demo
        from outsignal_pipelines.operations.lists import create_list
        from outsignal_pipelines.operations.setup import init_store
        from tests.agent.corpus import CONVERSATIONS

        init_store()
        seed_demo(people=args.people, seed=7)
        for name in ("Mission Q1", "Abort 1", "Abort 2"):
            create_list("rise", name)

        planner: list[float] = []
        for focus, turns in CONVERSATIONS:
            conv = Conversation(workspace=focus)
            understand("warm up", Conversation(workspace=focus))
            for message, *_ in turns:
                started = time.perf_counter()
                understand(message, conv)
                planner.append((time.perf_counter() - started) * 1000)

        in_tool: list[float] = []
        real_call = tools.call

        in_tool_cpu: list[float] = []

        def timed_call(name, ctx, arguments):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return real_call(name, ctx, arguments)
            finally:
                in_tool.append((time.perf_counter() - started) * 1000)
                in_tool_cpu.append((time.process_time() - cpu) * 1000)

        tools.call = timed_call
        turns_ms: list[float] = []
        turns_cpu: list[float] = []   # CPU time: what the turn costs when the machine is busy with others
        slowest: list[tuple[float, str]] = []
        for focus, turns in CONVERSATIONS:
            conv = Conversation(workspace=focus)
            for message, tool, *_ in turns:
                probe = Conversation.from_dict(conv.to_dict())
                if understand(message, probe).tool in RUNS:
                    conv = probe
                    continue
                in_tool.clear()
                in_tool_cpu.clear()
                started, cpu = time.perf_counter(), time.process_time()
                _, conv = chat_module.chat(message, conv)
                turns_ms.append((time.perf_counter() - started) * 1000 - sum(in_tool))
                turns_cpu.append((time.process_time() - cpu) * 1000 - sum(in_tool_cpu))
                slowest.append((turns_ms[-1], message))
        tools.call = real_call
    report = {"people": args.people, "planner_only": _stats(planner), "turn_excluding_tool": _stats(turns_ms),
              "turn_excluding_tool_cpu": _stats(turns_cpu), "load_average_1m": round(os.getloadavg()[0], 1),
              "slowest_turns": [f"{ms:.0f} ms: {m}" for ms, m in sorted(slowest, reverse=True)[:3]]}
    if args.json:
        print(json.dumps(report))
        return
    print(f"chat latency, offline planner, {args.people:,} people")
    print(f"  (1-minute load average at the end: {report['load_average_1m']}, on {os.cpu_count()} cores)")
    for label, key in (("planner only (understand)", "planner_only"), ("whole turn minus tool work", "turn_excluding_tool"),
                       ("same, CPU time", "turn_excluding_tool_cpu")):
        s = report[key]
        print(f"  {label:30s} n={s['n']:4d}  p50 {s['p50_ms']:6.1f} ms  p95 {s['p95_ms']:6.1f} ms  max {s['max_ms']:6.1f} ms")
    print("  slowest turns: " + "; ".join(report["slowest_turns"]))
    p95, worst = report["turn_excluding_tool"]["p95_ms"], report["turn_excluding_tool"]["max_ms"]
    print(f"  goal < 300 ms a turn: p95 {'met' if p95 < 300 else 'NOT met'} ({p95:.1f} ms); "
          f"every turn {'met' if worst < 300 else 'NOT met'} (worst {worst:.1f} ms wall clock)")


if __name__ == "__main__":
    main()
