"""Ten app users and a pipeline run sharing the store (issue 14), with real processes.

One store is seeded with N people (a 300-person list of people without email in workspace rise, and
rise's people ICP-scored), then copied fresh for each scenario:

  app          one app process in which USERS threads run the People page's searches (search_people),
               each followed by a think time, for --app-seconds
  enrich       `outsignal enrich` on the 300-person list, vendors answering after --latency-ms
  app+enrich   both at once, plus a probe process that writes one row every 0.5 s the way a sensor
               does; the app's think time is --think (fast) or 2–6 s (slow)

Reported: app search p50/p95 (ms), searches that failed, enrichment seconds and exit status, the
probe's waits for the store (p50/p99/max) and its failures. `--tree DIR` runs the product code of
another checkout (e.g. the tree as it was) against the same seeded store, for a side-by-side run.

Usage: python benchmarks/store_load.py [--people 1000000] [--tree DIR] [--scenarios app,enrich,fast,slow]
       [--mix fixed|varied] [--template seeded.duckdb] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sandbox import sandbox_server  # noqa: E402

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
LIST = "Store Load"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


# -- child roles (run with the chosen tree on PYTHONPATH) ----------------------------------------------
def _seed(db: str, people: int) -> None:
    os.environ["OUTSIGNAL_DB"] = db
    from outsignal_pipelines.operations.demo_data import seed_demo
    from outsignal_pipelines.operations.lists import add_members, add_search_results, create_list, ensure_list
    from outsignal_pipelines.operations.scoring import score_list
    from outsignal_pipelines.operations.search import PeopleQuery
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.store import transaction

    init_store()
    seed_demo(people=people, seed=7)
    create_list("rise", "All Rise")
    add_search_results("rise", "All Rise", PeopleQuery(workspace="rise"))
    score_list("rise", "All Rise")
    with transaction() as con:
        ids = [r[0] for r in con.execute(
            "SELECT person_id FROM person_workspaces WHERE workspace_slug = 'rise' ORDER BY person_id LIMIT 300"
        ).fetchall()]
        con.execute("UPDATE people SET email = NULL, email_status = NULL, verified_at = NULL "
                    "WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids])
        target, _ = ensure_list(con, "rise", LIST)
        add_members(con, target.id, ids)
        con.execute("CREATE TABLE IF NOT EXISTS bench_probe (written_at TIMESTAMP, n INTEGER)")


def _searches():
    from outsignal_pipelines.operations.lists import resolve_list
    from outsignal_pipelines.operations.search import PeopleQuery

    list_id = resolve_list("rise", LIST).id
    return [
        PeopleQuery(),
        PeopleQuery(workspace="rise"),
        PeopleQuery(text="smith"),
        PeopleQuery(text="james smith"),
        PeopleQuery(workspace="rise", verticals=["B2B SaaS", "Accounting & Finance"], seniorities=["C-Suite", "VP"],
                    location="london", headcount_min=50),
        PeopleQuery(workspace="rise", min_icp_score=70, sort="icp"),
        PeopleQuery(in_list=list_id, text="a"),
        PeopleQuery(in_list=list_id, workspace="rise"),
        PeopleQuery(workspace="myacq", has_verified_email=True, title_contains="director"),
        PeopleQuery(workspace="outsignal", page=1500, page_size=50),
    ]


def _varied():
    """A query maker for users who do not repeat each other: the shapes above with their words, pages,
    workspaces and thresholds drawn from the seeded data (300 surnames, 4 workspaces, 20 pages)."""
    from outsignal_pipelines.operations.lists import resolve_list
    from outsignal_pipelines.operations.search import PeopleQuery
    from outsignal_pipelines.store import query_df

    names = query_df("SELECT lower(last_name) AS n, count(*) AS c FROM people GROUP BY 1 ORDER BY 2 DESC LIMIT 300")["n"].to_list()
    firsts = query_df("SELECT lower(first_name) AS n, count(*) AS c FROM people GROUP BY 1 ORDER BY 2 DESC LIMIT 50")["n"].to_list()
    spaces = query_df("SELECT slug FROM workspaces ORDER BY slug")["slug"].to_list()
    list_id = resolve_list("rise", LIST).id
    titles = ["director", "head", "manager", "founder", "vp", "engineer", "sales", "marketing"]

    def make(rnd: random.Random):
        ws, page = rnd.choice(spaces), rnd.randint(1, 20)
        return rnd.choice([
            lambda: PeopleQuery(page=page),
            lambda: PeopleQuery(workspace=ws, page=page),
            lambda: PeopleQuery(text=rnd.choice(names)),
            lambda: PeopleQuery(text=f"{rnd.choice(firsts)} {rnd.choice(names)}"),
            lambda: PeopleQuery(workspace=ws, verticals=["B2B SaaS", "Accounting & Finance"],
                                seniorities=rnd.sample(["C-Suite", "VP", "Director", "Manager"], 2),
                                location=rnd.choice(["london", "new york", "berlin", "uk"]), headcount_min=50),
            lambda: PeopleQuery(workspace=ws, min_icp_score=rnd.choice([50, 60, 70, 80]), sort="icp", page=page),
            lambda: PeopleQuery(in_list=list_id, text=rnd.choice("abcdeghilmnorst")),
            lambda: PeopleQuery(in_list=list_id, workspace="rise", page=rnd.randint(1, 6)),
            lambda: PeopleQuery(workspace=ws, has_verified_email=True, title_contains=rnd.choice(titles)),
            lambda: PeopleQuery(workspace=ws, page=rnd.randint(100, 3000), page_size=50),
        ])()
    return make


def _app(db: str, users: int, think_min: float, think_max: float, stop_file: str, out: str,
         mix: str = "fixed") -> None:
    os.environ["OUTSIGNAL_DB"] = db
    from outsignal_pipelines.cli import runner

    # The app server's own settings, as `outsignal serve` gives them (each tree its own).
    os.environ["OUTSIGNAL_DB_LINGER_SECONDS"] = runner.STREAMLIT_DB_LINGER_SECONDS
    os.environ["OUTSIGNAL_SEARCH_LAG_SECONDS"] = getattr(runner, "STREAMLIT_SEARCH_LAG_SECONDS", "0")
    from outsignal_pipelines.operations.search import search_people

    searches = _searches()
    varied = _varied() if mix == "varied" else None
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def user(seed: int) -> None:
        rnd = random.Random(seed)
        while not os.path.exists(stop_file):
            query = varied(rnd) if varied else rnd.choice(searches)
            started = time.perf_counter()
            try:
                search_people(query)
                with lock:
                    times.append((time.perf_counter() - started) * 1000)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(type(exc).__name__)
            time.sleep(rnd.uniform(think_min, think_max))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:  # how often an answer came from the read copy's memo (trees without one report nothing)
        from outsignal_pipelines.store.memo import Memo
        memo = {"hits": Memo.total_hits, "misses": Memo.total_misses}
    except ImportError:
        memo = None
    Path(out).write_text(json.dumps({"times": times, "errors": errors, "memo": memo}))


def _probe(db: str, stop_file: str, out: str) -> None:
    os.environ["OUTSIGNAL_DB"] = db
    from outsignal_pipelines.store import transaction

    waits: list[float] = []
    errors: list[str] = []
    n = 0
    while not os.path.exists(stop_file):
        started = time.perf_counter()
        try:
            with transaction() as con:
                con.execute("INSERT INTO bench_probe VALUES (current_timestamp, ?)", [n])
            waits.append((time.perf_counter() - started) * 1000)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(type(exc).__name__)
        n += 1
        time.sleep(0.5)
    Path(out).write_text(json.dumps({"waits": waits, "errors": errors}))


# -- the conductor ---------------------------------------------------------------------------------------
def _env(tree: Path, db: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "OUTSIGNAL_DB": str(db), **extra}
    env.pop("OUTSIGNAL_DB_LINGER_SECONDS", None)
    env.pop("OUTSIGNAL_SEARCH_LAG_SECONDS", None)
    return env


def _role(tree: Path, db: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(HERE), "_role", *args], env=_env(tree, db, **extra), cwd=str(tree))


def _enrich(tree: Path, db: Path, sandbox: str, home: Path) -> dict:
    cli = Path(sys.executable).parent / "outsignal"
    started = time.perf_counter()
    done = subprocess.run([str(cli), "enrich", "--list", LIST, "-w", "rise", "--json"], capture_output=True, text=True,
                          env=_env(tree, db, OUTSIGNAL_SANDBOX_URL=sandbox, DAGSTER_HOME=str(home),
                                   OUTSIGNAL_DAILY_CAP_USD="1000"), cwd=str(tree))
    seconds = time.perf_counter() - started
    failure = "" if done.returncode == 0 else (done.stdout + done.stderr).strip().splitlines()[-1:] or ["?"]
    return {"seconds": round(seconds, 1), "exit": done.returncode,
            "failure": failure[0][:200] if failure else ""}


def _scenario(name: str, tree: Path, template: Path, folder: Path, sandbox: str, args) -> dict:
    work = folder / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    db = work / "store.duckdb"
    shutil.copy(template, db)
    stop = work / "stop"
    result: dict = {"scenario": name}
    app = probe = None
    if name != "enrich":
        think = (2.0, 6.0) if name == "slow" else args.think
        app = _role(tree, db, "app", str(db), str(args.users), str(think[0]), str(think[1]), str(stop),
                    str(work / "app.json"), args.mix)
    if name in ("fast", "slow"):
        probe = _role(tree, db, "probe", str(db), str(stop), str(work / "probe.json"))
    if name == "app":
        time.sleep(args.app_seconds)
    else:
        time.sleep(3 if app else 0)  # the app is up and searching before the run starts
        result["enrichment"] = _enrich(tree, db, sandbox, work / "dagster_home")
    stop.touch()
    for proc in (app, probe):
        if proc is not None:
            proc.wait(300)
    if app is not None:
        data = json.loads((work / "app.json").read_text())
        result["app"] = {"searches": len(data["times"]), "p50_ms": _percentile(data["times"], 0.5),
                         "p95_ms": _percentile(data["times"], 0.95), "failed": len(data["errors"]),
                         "failures": sorted(set(data["errors"])), "memo": data.get("memo")}
    if probe is not None:
        data = json.loads((work / "probe.json").read_text())
        result["probe"] = {"writes": len(data["waits"]), "p50_ms": _percentile(data["waits"], 0.5),
                           "p99_ms": _percentile(data["waits"], 0.99),
                           "max_ms": round(max(data["waits"]), 1) if data["waits"] else None,
                           "failed": len(data["errors"]), "failures": sorted(set(data["errors"]))}
    shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_role":
        role, rest = sys.argv[2], sys.argv[3:]
        if role == "seed":
            _seed(rest[0], int(rest[1]))
        elif role == "app":
            _app(rest[0], int(rest[1]), float(rest[2]), float(rest[3]), rest[4], rest[5], *rest[6:7])
        elif role == "probe":
            _probe(*rest)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--think", type=lambda s: tuple(float(x) for x in s.split("-")), default=(0.15, 0.45))
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--app-seconds", type=float, default=60)
    parser.add_argument("--tree", action="append", default=[],
                        help="product checkout to run, optionally DIR=scenarios (repeat for a side-by-side run; default this one)")
    parser.add_argument("--scenarios", default="app,enrich,fast,slow")
    parser.add_argument("--mix", choices=["fixed", "varied"], default="fixed",
                        help="fixed: the ten searches of the table; varied: their shapes with drawn words, pages, workspaces")
    parser.add_argument("--template", type=Path, help="a seeded store to reuse (seeded here first if missing)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # --tree DIR or DIR=scenario,scenario: another tree may run fewer scenarios (its slowest is enough).
    trees = [(Path(t.split("=")[0]).resolve(), t.split("=")[1] if "=" in t else args.scenarios)
             for t in args.tree] or [(REPO, args.scenarios)]
    report: dict = {"people": args.people, "users": args.users, "think_s": list(args.think), "mix": args.mix,
                    "latency_ms": args.latency_ms, "runs": []}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp, sandbox_server() as sandbox:
        import httpx

        folder = Path(tmp)
        template = args.template or folder / "template.duckdb"
        if not template.exists():
            started = time.perf_counter()
            subprocess.run([sys.executable, str(HERE), "_role", "seed", str(template), str(args.people)],
                           env=_env(REPO, template), cwd=str(REPO), check=True)
            report["seed_seconds"] = round(time.perf_counter() - started, 1)
        vendors = httpx.get(f"{sandbox}/_sandbox/usage").json()
        httpx.post(f"{sandbox}/_sandbox/config",
                   json={v: {"latency_ms": args.latency_ms} for v in vendors}).raise_for_status()
        for tree, scenarios in trees:
            for name in scenarios.split(","):
                run = _scenario(name, tree, template, folder, sandbox, args)
                run["tree"] = str(tree)
                report["runs"].append(run)
                if not args.json:
                    print(json.dumps(run), flush=True)
    if args.json:
        print(json.dumps(report))


if __name__ == "__main__":
    main()
