"""Page switches and button answers in Chromium, on a store of benchmark size (issue 19).

A person feels the time from a click to the page being whole again. Streamlit tells the browser when a
run of the page's script is over (the `script_finished` message on its websocket), so each action is timed
from the click to that message, plus one animation frame for the browser to paint it. Nothing is guessed
from spinners or fixed sleeps.

The app runs as each tree's `outsignal serve` runs it (its Streamlit flags, its warm connection and read
copy settings) on a copy of a seeded store. An admin signs in, then goes round the admin pages and, on the People and Companies
pages, types a search, picks a workspace, turns a page. Round 1 is reported apart: it is the first visit
of each page on a fresh server (imports, the first copy of the store, cold answers); the goal is about the
rounds after it, the app as people use it all day.

    BENCH_TMP=/dev/shm python benchmarks/pages.py --people 1000000 --template /dev/shm/bench/seed1m.duckdb
    python benchmarks/pages.py --people 100000 --rounds 10 --tree . --tree /path/to/older/checkout

Chromium is Debian's (/usr/bin/chromium); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-admin-password"
# What a tree's `outsignal serve` gives its app server (read from the tree itself, so an older checkout
# runs with its own settings); a tree without them gets none.
_SERVE_SETTINGS = """
import json
from outsignal_pipelines.cli import runner
print(json.dumps({"env": {"OUTSIGNAL_DB_LINGER_SECONDS": getattr(runner, "STREAMLIT_DB_LINGER_SECONDS", None),
                          "OUTSIGNAL_SEARCH_LAG_SECONDS": getattr(runner, "STREAMLIT_SEARCH_LAG_SECONDS", None)},
                  "flags": list(getattr(runner, "STREAMLIT_PRODUCT_FLAGS", ()))}))
"""
GOAL_MS = 400.0

# (sidebar link, address) of every admin page a person moves between (Home, the default, is at "/").
PAGES = [("Home", ""), ("People", "people"), ("Companies", "companies"), ("Lists", "lists"),
         ("Campaign copy", "campaigns"), ("Results", "results"), ("Spend", "spend"), ("Settings", "settings"),
         ("Agent runs", "agent-runs"), ("Sandbox inbox", "inbox")]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(template: Path, people: int) -> None:
    """The store_load benchmark's seeding (the demo data at this size, Rise's people listed and scored)."""
    template.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, str(HERE.parent / "store_load.py"), "_role", "seed", str(template),
                           str(people)], env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=str(ROOT))
    if done.returncode != 0:
        raise SystemExit(f"seeding {people:,} people failed (exit {done.returncode})")


class _Clock:
    """When Streamlit's runs end, as the browser hears it: each `script_finished` frame of the page's
    websocket that is not a run cut short for a rerun."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._msg = ForwardMsg
        self._done = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
        self.finished: list[float] = []
        self.page = page
        page.on("websocket", self._watch)

    def _watch(self, ws) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        msg = self._msg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not a ForwardMsg; nothing to time
            return
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished in self._done:
            self.finished.append(time.perf_counter())

    def time(self, act, timeout: float = 120.0) -> float:
        """Milliseconds from `act()` (the click) to the end of the run it started, painted."""
        started = time.perf_counter()
        act()
        deadline = started + timeout
        while not any(t > started for t in self.finished):
            if time.perf_counter() > deadline:
                raise TimeoutError("the page did not finish its run")
            self.page.wait_for_timeout(5)
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        return (time.perf_counter() - started) * 1000

    def settle(self, quiet: float = 0.6) -> None:
        """Until no run has ended for `quiet` seconds (a page may rerun itself once after loading)."""
        while True:
            last = self.finished[-1] if self.finished else 0.0
            self.page.wait_for_timeout(int(quiet * 1000))
            if (self.finished[-1] if self.finished else 0.0) == last:
                return


def _serve_settings(tree: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _SERVE_SETTINGS], capture_output=True, text=True, cwd=str(tree),
                          env={**os.environ, "PYTHONPATH": str(tree)})
    if done.returncode != 0:
        raise SystemExit(f"cannot read {tree}'s serve settings:\n{done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _serve(tree: Path, db: Path, folder: Path) -> tuple[subprocess.Popen, str, dict]:
    port = _free_port()
    served = _serve_settings(tree)
    env = {**os.environ, "PYTHONPATH": str(tree), "OUTSIGNAL_DB": str(db), "DAGSTER_HOME": str(folder / "home"),
           "OUTSIGNAL_ADMIN_PASSWORD": PASSWORD}
    for name, value in served["env"].items():
        env.pop(name, None)
        if value is not None:
            env[name] = value
    command = [str(Path(sys.executable).parent / "streamlit"), "run",
               str(tree / "streamlit_portal" / "streamlit_app.py"), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", *served["flags"]]
    log = (folder / "streamlit.log").open("w")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(tree),
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("Streamlit did not start:\n" + (folder / "streamlit.log").read_text()[-2000:])
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                return proc, url, served
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


def _nav(page, clock: _Clock, title: str, path: str) -> float:
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)
    ms = clock.time(link.click)
    if urlsplit(page.url).path.strip("/") != path:
        raise RuntimeError(f"clicking {title!r} led to {page.url}")
    return ms


def _type(page, clock: _Clock, label: str, text: str) -> float:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    return clock.time(lambda: box.press("Enter"))


def _pick(page, clock: _Clock, label: str, option: str) -> float:
    page.get_by_label(label, exact=True).locator("visible=true").first.click()
    choice = page.get_by_role("option", name=option, exact=True)
    choice.wait_for(timeout=30_000)
    return clock.time(choice.click)


def _step_page(page, clock: _Clock) -> float:
    """The People page's page number, one up (the number input's + button)."""
    field = page.get_by_test_id("stNumberInput").filter(has_text="Page (of")
    return clock.time(field.get_by_test_id("stNumberInputStepUp").click)


def _round(page, clock: _Clock) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}

    def note(name: str, ms: float) -> None:
        times.setdefault(name, []).append(ms)

    for title, path in PAGES:
        note(f"page: {title}", _nav(page, clock, title, path))
        clock.settle(0.3)
        if title == "People":
            note("button: People search 'smith'", _type(page, clock, "Search name, email, company or title", "smith"))
            note("button: People next page", _step_page(page, clock))
            note("button: People search cleared", _type(page, clock, "Search name, email, company or title", ""))
            note("button: People workspace Rise", _pick(page, clock, "Workspace", "Rise"))
            note("button: People workspace all", _pick(page, clock, "Workspace", "All workspaces"))
        elif title == "Companies":
            note("button: Companies search 'labs'", _type(page, clock, "Search name or domain", "labs"))
            note("button: Companies search cleared", _type(page, clock, "Search name or domain", ""))
        clock.settle(0.3)
    return times


def _run_tree(tree: Path, template: Path, rounds: int, folder: Path) -> dict:
    from playwright.sync_api import sync_playwright

    work = folder / tree.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "store.duckdb"
    shutil.copy(template, db)
    proc, url, served = _serve(tree, db, work)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-dev-shm-usage"])
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            page.set_default_timeout(120_000)
            clock = _Clock(page)
            page.goto(url)  # the admin sign-in is the default page for visitors
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            sign_in = clock.time(page.get_by_role("button", name="Sign in").click)
            page.get_by_test_id("stSidebarNav").wait_for()
            clock.settle()
            first = _round(page, clock)
            later: dict[str, list[float]] = {}
            for _ in range(rounds - 1):
                for name, values in _round(page, clock).items():
                    later.setdefault(name, []).extend(values)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    failed = [line for line in (work / "streamlit.log").read_text(errors="replace").splitlines()
              if "page error " in line]
    if failed:   # a page that failed answers fast: its time would count for nothing
        raise SystemExit(f"{tree}: pages failed while measured: {failed[:5]} (log: {work / 'streamlit.log'})")
    shutil.rmtree(work, ignore_errors=True)
    switches = [v for name, values in later.items() if name.startswith("page:") for v in values]
    buttons = [v for name, values in later.items() if name.startswith("button:") for v in values]
    return {
        "tree": str(tree), "served_with": served, "sign_in_ms": round(sign_in, 1),
        "first_round_ms": {name: round(values[0], 1) for name, values in first.items()},
        "actions": {name: {"n": len(values), "p50_ms": _percentile(values, 0.5), "p95_ms": _percentile(values, 0.95),
                           "max_ms": round(max(values), 1)} for name, values in later.items()},
        "page_switch": {"n": len(switches), "p50_ms": _percentile(switches, 0.5),
                        "p95_ms": _percentile(switches, 0.95)},
        "button": {"n": len(buttons), "p50_ms": _percentile(buttons, 0.5), "p95_ms": _percentile(buttons, 0.95)},
    }


def _table(result: dict) -> str:
    lines = [f"### {result['tree']}", "",
             f"sign-in {result['sign_in_ms']:,.0f} ms · page switches p50 / p95 "
             f"{result['page_switch']['p50_ms']:,.0f} / **{result['page_switch']['p95_ms']:,.0f} ms** "
             f"(n={result['page_switch']['n']}) · buttons p50 / p95 {result['button']['p50_ms']:,.0f} / "
             f"**{result['button']['p95_ms']:,.0f} ms** (n={result['button']['n']}) · goal p95 < {GOAL_MS:.0f} ms", "",
             "| action | first visit ms | later p50 / p95 / max ms |", "|---|---|---|"]
    for name, stats in result["actions"].items():
        lines.append(f"| {name} | {result['first_round_ms'].get(name, 0):,.0f} | "
                     f"{stats['p50_ms']:,.0f} / {stats['p95_ms']:,.0f} / {stats['max_ms']:,.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=6, help="rounds over every page; the first is reported apart")
    parser.add_argument("--template", type=Path, help="a seeded store to reuse (seeded here first if missing)")
    parser.add_argument("--tree", action="append", type=Path,
                        help="product checkout to serve (repeat for a side-by-side run; default this one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit("Debian's chromium is missing (apt-get install chromium)")
    if args.rounds < 2:
        raise SystemExit("--rounds must be at least 2: the first round is reported apart")
    folder = Path(tempfile.mkdtemp(prefix="pages-bench-", dir=os.environ.get("BENCH_TMP")))
    template = args.template or folder / f"seed{args.people}.duckdb"
    if not template.exists():
        print(f"seeding {args.people:,} people into {template} …", file=sys.stderr)
        _seed(template, args.people)
    results = []
    try:
        for tree in args.tree or [ROOT]:
            print(f"serving {tree.resolve()} …", file=sys.stderr)
            results.append(_run_tree(tree.resolve(), template, args.rounds, folder))
            if not args.json:
                print(_table(results[-1]) + "\n", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)   # the work copies (and a store seeded here, not asked to keep)
    if args.json:
        print(json.dumps({"people": args.people, "rounds": args.rounds, "results": results}, indent=2))


if __name__ == "__main__":
    main()
