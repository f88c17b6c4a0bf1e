"""Peak memory and speed of importing one big lead CSV, this tree against another side by side.

Generates a messy export (names, emails, LinkedIn URLs, titles, companies, domains, phones, locations,
industries; some duplicates, some bad rows), then imports it in a child process per tree, into a fresh
store, and reads the child's peak RSS (its VmHWM). `--tree DIR` adds the
product code of another checkout (e.g. main as it was) to the same run.

Usage: python benchmarks/import_memory.py [--rows 272000] [--tree DIR] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent

FIRST = ["Jane", "john", "MARÍA", "Priya", "Ahmed", "Chen", "Olivia", "Lucas", "Zoë", "Noah", "Emma", "Liam",
         "Sofia", "Mateo", "Aisha", "Yuki", "Fatima", "Oliver", "Chloé", "Ravi", "Sven", "Ana", "Kwame", "Ines"]
LAST = ["Smith", "doe", "GARCÍA", "Patel", "Khan", "Wang", "O'Brien", "Müller", "Rossi", "Nguyen", "Kowalski",
        "Silva", "Johnson", "Lee", "Brown", "Dubois", "van der Berg", "Haddad", "Sato", "Okafor", "Costa"]
TITLES = ["CEO", "Chief Technology Officer", "VP of Sales", "Head of Marketing", "Director, Engineering",
          "Software Engineer", "Senior Account Executive", "Founder & CEO", "Marketing Manager", "CFO",
          "Head of Operations", "Sales Development Rep", "Data Scientist", "Product Manager", "Office Wizard",
          "co-founder", "Managing Director", "VP Engineering", "Intern", "Growth Lead"]
INDUSTRIES = ["Computer Software", "Financial Services", "Marketing & Advertising", "Hospital & Health Care",
              "Information Technology & Services", "Accounting", "Real Estate", "Staffing & Recruiting",
              "Basket Weaving", "Internet", "Retail", "Management Consulting", "", "E-Learning"]
LOCATIONS = [("London, UK", "+44 20 7946 {:04d}", "United Kingdom"), ("New York, NY", "(415) 555-{:04d}", "USA"),
             ("Berlin", "+49 30 1234{:04d}", "Germany"), ("Paris, France", "+33 1 42 68 {:04d}", "France"),
             ("Austin, Texas", "512-555-{:04d}", "United States"), ("Sydney", "+61 2 9374 {:04d}", "Australia"),
             ("", "not a phone", "")]
SUFFIX = ["Ltd", "Inc.", "GmbH", "LLC", "", "", "Labs", "Group"]
WORDS = ["acme", "fin", "stack", "cloud", "data", "nova", "blue", "peak", "orbit", "craft", "pixel", "harbor"]


def generate(path: Path, rows: int, seed: int = 7) -> dict:
    """A messy export of `rows` data rows: ~2% duplicates (some far apart), ~1% bad rows."""
    rng = random.Random(seed)
    companies = []
    for i in range(max(rows // 8, 1)):
        word = rng.choice(WORDS) + rng.choice(WORDS)
        domain = f"{word}{i}.{rng.choice(['io', 'com', 'co.uk', 'ai'])}"
        companies.append((f"{word.upper() if i % 5 == 0 else word.title()} {rng.choice(SUFFIX)}".strip(), domain,
                          rng.choice(INDUSTRIES), rng.choice(["11-50", "51-200", "1,001-5,000", "2"])))
    header = ["First Name", "Last Name", "Work Email", "Job Title", "Company Name", "Website", "LinkedIn Profile",
              "Location", "Country", "Phone", "Industry", "Employees"]
    made: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(rows):
            if made and rng.random() < 0.02:  # a duplicate of an earlier row, restyled
                row = list(rng.choice(made))
                row[2] = f"  {row[2].upper()} "
                row[3] = ""
            elif i % 97 == 13:
                row = ["Bad", "Row", "not@@an-email", "CTO", "X", "x.com", "", "", "", "", "", ""]
            else:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                name, domain, industry, size = rng.choice(companies)
                loc, phone, country = rng.choice(LOCATIONS)
                slug = f"{first}-{last}-{i}".lower().replace(" ", "").replace("'", "")
                email = (f"{first}.{last}.{i}@{domain}".lower().replace(" ", "").replace("'", "")
                         .replace("ë", "e").replace("í", "i").replace("é", "e").replace("ü", "u")) if i % 11 else ""
                row = [first, last, email, rng.choice(TITLES), name, f"https://www.{domain}/about",
                       f"https://linkedin.com/in/{slug}/" if i % 3 else "", loc, country,
                       phone.format(i % 10_000) if "{" in phone else phone, industry, size]
            writer.writerow(row)
            if len(made) < 20_000:
                made.append(row)
    return {"rows": rows, "mb": round(path.stat().st_size / 2**20, 1)}


def _child(csv_path: str, out: str) -> None:
    """Run in the chosen tree: a fresh store, one import, the result as JSON."""
    from outsignal_pipelines.operations.imports import import_leads
    from outsignal_pipelines.operations.setup import init_store
    from outsignal_pipelines.operations.workspaces import upsert_workspace

    init_store()
    upsert_workspace("bench", "Bench")
    started = time.perf_counter()
    result = import_leads(csv_path, "bench", list_name="Bench")
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    hwm_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                  if line.startswith("VmHWM:"))
    Path(out).write_text(json.dumps({
        "seconds": seconds, "hwm_kb": hwm_kb, "cpu_s": usage.ru_utime + usage.ru_stime, "inserted": result.inserted, "updated": result.updated, "rejected": result.rejected,
        "duplicates": result.duplicates_in_file}))


def measure(tree: Path, csv_path: Path, rows: int) -> dict:
    """Import in a child (PYTHONPATH = tree); its peak RSS is the VmHWM it reads of itself at the end."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        env = {**os.environ, "PYTHONPATH": str(tree), "OUTSIGNAL_DB": str(Path(folder) / "bench.duckdb")}
        wall = time.perf_counter()
        subprocess.run([sys.executable, str(HERE), "_child", str(csv_path), str(out)], env=env, cwd=str(tree),
                       check=True)
        wall = time.perf_counter() - wall
        report = json.loads(out.read_text())
    return {"tree": str(tree), "peak_rss_mb": round(report["hwm_kb"] / 1024, 1), "import_s": round(report["seconds"], 2),
            "rows_per_s": round(rows / report["seconds"]), "process_s": round(wall, 2),
            # On a shared machine wall time mostly measures the neighbours: CPU seconds of the child
            # (imports and store setup included) say what the import itself costs.
            "cpu_s": round(report["cpu_s"], 1), "rows_per_cpu_s": round(rows / report["cpu_s"]),
            **{k: report[k] for k in ("inserted", "updated", "rejected", "duplicates")}}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=272_000)
    parser.add_argument("--tree", action="append", default=[], help="another checkout to compare (repeatable)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    trees = [REPO] + [Path(t).resolve() for t in args.tree]
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "leads.csv"
        file = generate(csv_path, args.rows)
        results = [measure(tree, csv_path, args.rows) for tree in trees]
    report = {"file": file, "load_average": os.getloadavg(), "results": results}
    if args.json:
        print(json.dumps(report))
        return
    print(f"{file['rows']:,} rows, {file['mb']} MB; load average {report['load_average'][0]:.2f}")
    print(f"{'tree':40} {'peak RSS MB':>12} {'import s':>9} {'rows/s':>9} {'CPU s':>7} {'rows/CPU s':>10} "
          f"{'inserted':>9} {'rejected':>9}")
    for r in results:
        print(f"{r['tree'][-40:]:40} {r['peak_rss_mb']:>12} {r['import_s']:>9} {r['rows_per_s']:>9} "
              f"{r['cpu_s']:>7} {r['rows_per_cpu_s']:>10} "
              f"{r['inserted']:>9} {r['rejected']:>9}")


if __name__ == "__main__":
    main()
