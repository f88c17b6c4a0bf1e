"""Deterministic demo data at the scale of the first system (14.5k people, 17k companies, six
client workspaces), or any scale benchmarks need (a million people in seconds: vectorised, no
Python loop per row). The same seed always produces the same database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from outsignal_pipelines.domain.vocabulary import VERTICALS
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.lists import add_members, ensure_list
from outsignal_pipelines.operations.search_index import refresh_search_index
from outsignal_pipelines.store import connect, ensure_schema, transaction

DEFAULT_PEOPLE = 14_500
COMPANIES_PER_PERSON = 17_000 / 14_500

WORKSPACES: list[dict] = [
    {
        "slug": "rise", "name": "Rise", "vertical": "Branded Merchandise",
        "icp_criteria": "Marketing and people leaders at UK and US companies of 50-2,000 staff who buy branded "
                        "merchandise for events, onboarding kits and employer branding. Fintech and B2B SaaS "
                        "scale-ups are the sweet spot.",
        "icp_rules": {"seniorities": ["C-Suite", "VP", "Director"],
                      "title_keywords": ["marketing", "brand", "people", "hr", "events", "cto", "technology"],
                      "verticals": ["B2B SaaS", "Accounting & Finance", "Marketing & Advertising"],
                      "headcount_min": 50, "headcount_max": 2000, "countries": ["GB", "US", "IE"],
                      "exclude_title_keywords": ["intern", "student"]},
        "client_emails": ["client@rise.example"],
    },
    {
        "slug": "lime-recruitment", "name": "Lime Recruitment", "vertical": "Recruitment Services",
        "icp_criteria": "Hiring managers and HR directors at UK companies with 20-500 staff that hire "
                        "regularly in logistics, manufacturing and construction.",
        "icp_rules": {"seniorities": ["C-Suite", "Director", "Manager"],
                      "title_keywords": ["hr", "people", "talent", "operations", "hiring"],
                      "verticals": ["Logistics & Supply Chain", "Manufacturing", "Architecture & Construction"],
                      "headcount_min": 20, "headcount_max": 500, "countries": ["GB"],
                      "exclude_title_keywords": ["recruiter"]},
        "client_emails": ["client@lime.example"],
    },
    {
        "slug": "yoopknows", "name": "YoopKnows", "vertical": "Architecture Project Management",
        "icp_criteria": "Directors and principals of architecture and construction practices in the UK and "
                        "Ireland with 10-250 staff.",
        "icp_rules": {"seniorities": ["C-Suite", "Director"],
                      "title_keywords": ["architect", "principal", "director", "project"],
                      "verticals": ["Architecture & Construction", "Real Estate"],
                      "headcount_min": 10, "headcount_max": 250, "countries": ["GB", "IE"],
                      "exclude_title_keywords": []},
        "client_emails": ["client@yoopknows.example"],
    },
    {
        "slug": "outsignal", "name": "Outsignal", "vertical": "B2B Lead Generation",
        "icp_criteria": "Founders and heads of sales at B2B companies of 10-200 staff that sell high-ticket "
                        "services and want outbound pipeline.",
        "icp_rules": {"seniorities": ["C-Suite", "VP", "Director"],
                      "title_keywords": ["founder", "sales", "growth", "revenue", "ceo"],
                      "verticals": ["B2B SaaS", "Professional Services", "Managed Services & IT",
                                    "Marketing & Advertising"],
                      "headcount_min": 10, "headcount_max": 200, "countries": ["GB", "US"],
                      "exclude_title_keywords": []},
        "client_emails": ["client@outsignal.example"],
    },
    {
        "slug": "myacq", "name": "MyAcq", "vertical": "Business Acquisitions",
        "icp_criteria": "Owners and CEOs of profitable private businesses with 10-100 staff considering a sale.",
        "icp_rules": {"seniorities": ["C-Suite"],
                      "title_keywords": ["owner", "founder", "ceo", "managing director"],
                      "verticals": ["Business Services", "Manufacturing", "Logistics & Supply Chain",
                                    "Professional Services"],
                      "headcount_min": 10, "headcount_max": 100, "countries": ["GB", "US"],
                      "exclude_title_keywords": []},
        "client_emails": ["client@myacq.example"],
    },
    {
        "slug": "1210-solutions", "name": "1210 Solutions", "vertical": "Umbrella Company Solutions",
        "icp_criteria": "Finance directors and payroll leads at UK recruitment and staffing agencies that place "
                        "contractors.",
        "icp_rules": {"seniorities": ["C-Suite", "Director", "Manager"],
                      "title_keywords": ["finance", "payroll", "cfo", "operations"],
                      "verticals": ["Staffing & Recruitment", "HR & Recruitment"],
                      "headcount_min": 5, "headcount_max": 500, "countries": ["GB"],
                      "exclude_title_keywords": []},
        "client_emails": ["client@1210.example"],
    },
]
WORKSPACE_WEIGHTS = [0.30, 0.18, 0.12, 0.16, 0.12, 0.12]

DEMO_LISTS = [("rise", "Rise Q1", 200), ("lime-recruitment", "Lime Hiring Managers", 120),
              ("yoopknows", "YoopKnows Practices", 80)]

_PREFIXES = ["Acme", "Nova", "Blue", "Bright", "North", "Silver", "Quant", "Pay", "Ledger", "Cloud", "Data",
             "Green", "Iron", "Swift", "Peak", "Clear", "True", "Next", "Prime", "Urban", "Atlas", "Orbit",
             "Pixel", "Vertex", "Harbor", "Maple", "Cedar", "Summit", "Lumen", "Apex", "Delta", "Echo",
             "Fusion", "Granite", "Horizon", "Kite", "Lime", "Matrix", "Nimbus", "Oak", "Pioneer", "Quartz",
             "Rapid", "Signal", "Terra", "Unity", "Vivid", "Willow", "Zen", "Coral"]
_COUNTRIES = [("GB", 0.36, ["London", "Manchester", "Leeds", "Bristol", "Edinburgh", "Birmingham"]),
              ("US", 0.26, ["New York", "San Francisco", "Austin", "Boston", "Chicago", "Seattle"]),
              ("IE", 0.06, ["Dublin", "Cork"]), ("DE", 0.06, ["Berlin", "Munich", "Hamburg"]),
              ("NL", 0.05, ["Amsterdam", "Rotterdam"]), ("FR", 0.05, ["Paris", "Lyon"]),
              ("SE", 0.03, ["Stockholm"]), ("ES", 0.04, ["Madrid", "Barcelona"]),
              ("CA", 0.04, ["Toronto", "Vancouver"]), ("AU", 0.03, ["Sydney", "Melbourne"]),
              ("IN", 0.02, ["Bengaluru", "Mumbai"])]
_COUNTRY_NAMES = {"GB": "UK", "US": "USA", "IE": "Ireland", "DE": "Germany", "NL": "Netherlands",
                  "FR": "France", "SE": "Sweden", "ES": "Spain", "CA": "Canada", "AU": "Australia", "IN": "India"}
_FIRST = ["James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas",
          "Mia", "Mason", "Amelia", "Ethan", "Harper", "Aiden", "Evelyn", "Logan", "Abigail", "Jack", "Emily",
          "Harry", "Charlotte", "George", "Grace", "Oscar", "Chloe", "Leo", "Ella", "Arjun", "Priya", "Wei",
          "Mei", "Carlos", "Lucia", "Ahmed", "Fatima", "Sven", "Ingrid", "Tom", "Sarah", "Daniel", "Laura",
          "Michael", "Anna", "David", "Hannah", "Sam", "Zoe", "Rahul", "Aisha", "Kenji", "Yuki", "Marta", "Pablo"]
_LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
         "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
         "Patel", "Khan", "Lewis", "Murphy", "Kelly", "Garcia", "Martinez", "Muller", "Schmidt", "Dubois",
         "Rossi", "Andersson", "Nielsen", "Chen", "Wang", "Singh", "Kumar", "Tanaka", "Sato", "OBrien",
         "Walsh", "Byrne", "Moore", "King", "Scott", "Young", "Baker", "Adams", "Mitchell", "Campbell"]
_TITLES = [  # (title, seniority, weight)
    ("Chief Executive Officer", "C-Suite", 4), ("CEO", "C-Suite", 4), ("Founder", "C-Suite", 4),
    ("Co-Founder & CEO", "C-Suite", 2), ("Chief Technology Officer", "C-Suite", 2), ("CTO", "C-Suite", 3),
    ("Chief Financial Officer", "C-Suite", 2), ("CFO", "C-Suite", 2), ("Chief Marketing Officer", "C-Suite", 2),
    ("Chief People Officer", "C-Suite", 1), ("Managing Director", "C-Suite", 3), ("Owner", "C-Suite", 2),
    ("VP of Engineering", "VP", 3), ("VP Sales", "VP", 3), ("VP Marketing", "VP", 2), ("VP People", "VP", 1),
    ("Director of Marketing", "Director", 4), ("Head of People", "Director", 3), ("HR Director", "Director", 3),
    ("Finance Director", "Director", 3), ("Head of Engineering", "Director", 3), ("Director of Operations", "Director", 3),
    ("Head of Brand", "Director", 2), ("Head of Talent", "Director", 2), ("Principal Architect", "Senior IC", 2),
    ("Marketing Manager", "Manager", 6), ("HR Manager", "Manager", 5), ("Operations Manager", "Manager", 5),
    ("Payroll Manager", "Manager", 2), ("Events Manager", "Manager", 2), ("Engineering Manager", "Manager", 3),
    ("Project Manager", "Manager", 4), ("Senior Software Engineer", "Senior IC", 6), ("Lead Designer", "Senior IC", 2),
    ("Senior Accountant", "Senior IC", 3), ("Software Engineer", "IC", 8), ("Sales Executive", "IC", 6),
    ("Account Executive", "IC", 5), ("Recruiter", "IC", 4), ("Data Analyst", "IC", 4), ("Architect", "Senior IC", 3),
    ("Marketing Assistant", "Entry Level", 3), ("Junior Developer", "Entry Level", 3), ("Intern", "Entry Level", 2),
    ("Graduate Analyst", "Entry Level", 2), ("Consultant", "IC", 3),
]
_VERTICAL_WEIGHTS = {v: 1.0 for v in VERTICALS} | {
    "B2B SaaS": 4.0, "Accounting & Finance": 3.0, "Marketing & Advertising": 2.5, "Professional Services": 2.5,
    "Staffing & Recruitment": 2.0, "HR & Recruitment": 1.5, "Architecture & Construction": 2.0,
    "Manufacturing": 2.0, "Logistics & Supply Chain": 1.5, "Managed Services & IT": 2.0, "Other": 0.5,
}


@dataclass
class SeedResult:
    workspaces: int
    companies: int
    people: int
    people_with_email: int
    people_with_linkedin: int
    lists: dict[str, int]
    seed: int
    skipped: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _weighted(rng: np.random.Generator, n: int, weights: list[float]) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


_SUFFIX_BY_VERTICAL = {
    "Accounting & Finance": ["Pay", "Ledger", "Capital", "Finance", "Accounts"],
    "Architecture & Construction": ["Architects", "Build", "Construction", "Design", "Studio"],
    "B2B SaaS": ["Labs", "Cloud", "Software", "Analytics", "Systems"],
    "Business Acquisitions": ["Capital", "Partners", "Holdings", "Ventures"],
    "Business Services": ["Group", "Services", "Solutions", "Partners"],
    "E-Commerce & Retail": ["Retail", "Store", "Goods", "Market"],
    "Education & Training": ["Learning", "Academy", "Training", "Education"],
    "Energy & Utilities": ["Energy", "Power", "Solar", "Utilities"],
    "Healthcare & Life Sciences": ["Health", "Bio", "Care", "Medical"],
    "HR & Recruitment": ["Talent", "People", "HR", "Hire"],
    "Insurance": ["Insure", "Cover", "Assurance"],
    "Legal Services": ["Legal", "Law", "Chambers"],
    "Logistics & Supply Chain": ["Logistics", "Freight", "Shipping", "Supply"],
    "Managed Services & IT": ["IT", "Tech", "Networks", "Digital"],
    "Manufacturing": ["Manufacturing", "Industries", "Works", "Engineering"],
    "Marketing & Advertising": ["Media", "Marketing", "Creative", "Agency"],
    "Media & Entertainment": ["Media", "Studios", "Entertainment", "Films"],
    "Professional Services": ["Consulting", "Advisory", "Partners", "Associates"],
    "Real Estate": ["Homes", "Property", "Estates", "Realty"],
    "Staffing & Recruitment": ["Recruitment", "Staffing", "Contractors", "Resourcing"],
    "Telecoms": ["Telecom", "Mobile", "Connect", "Fibre"],
    "Travel & Hospitality": ["Travel", "Hotels", "Hospitality", "Journeys"],
    "Other": ["Co", "Collective", "Works"],
}
_TLD_BY_COUNTRY = {"GB": ".co.uk", "IE": ".ie", "DE": ".de", "NL": ".nl", "FR": ".fr", "SE": ".se", "ES": ".es",
                   "CA": ".ca", "AU": ".com.au", "IN": ".in", "US": ".com"}
_QUALIFIERS = ["Global", "Holdings", "International", "Collective", "Ventures", "Hub", "HQ", "One", "Worldwide",
               "Direct"]


def build_companies(n: int, rng: np.random.Generator) -> pl.DataFrame:
    vertical_names = list(_VERTICAL_WEIGHTS)
    vertical = _weighted(rng, n, list(_VERTICAL_WEIGHTS.values()))
    country = _weighted(rng, n, [c[1] for c in _COUNTRIES])
    headcount = np.clip(np.exp(rng.normal(3.8, 1.5, n)).astype(np.int64) + 1, 1, 60_000)
    df = pl.DataFrame({
        "id": np.arange(1, n + 1),
        "industry": np.array(vertical_names)[vertical],
        "country": np.array([c[0] for c in _COUNTRIES])[country],
        "pre": np.array(_PREFIXES)[rng.integers(0, len(_PREFIXES), n)],
        "suf_pick": rng.integers(0, 1000, n), "city_pick": rng.integers(0, 1000, n),
        "dot_com": rng.random(n) < 0.45,
        "headcount": headcount, "year_founded": rng.integers(1960, 2025, n),
    })
    suffix = pl.lit(None, dtype=pl.String)
    for name, options in _SUFFIX_BY_VERTICAL.items():
        suffix = pl.when(pl.col("industry") == name).then(
            pl.lit(pl.Series(options)).get(pl.col("suf_pick") % len(options))).otherwise(suffix)
    city = pl.lit(None, dtype=pl.String)
    for code, _weight, names in _COUNTRIES:
        city = pl.when(pl.col("country") == code).then(
            pl.lit(pl.Series(names)).get(pl.col("city_pick") % len(names))).otherwise(city)
    df = df.with_columns(suf=suffix, city=city,
                         tld=pl.when(pl.col("dot_com")).then(pl.lit(".com"))
                         .otherwise(pl.col("country").replace_strict(_TLD_BY_COUNTRY, default=".com")))
    df = df.with_columns(stem=(pl.col("pre") + pl.col("suf")).str.to_lowercase())
    # Name clashes get a qualifier ("Nova Labs Global"), then a number, so every domain is unique.
    df = df.with_columns(k=pl.col("stem").cum_count().over("stem", "tld") - 1)
    qualifier = pl.lit(pl.Series(_QUALIFIERS)).get((pl.col("k") - 1) % len(_QUALIFIERS))
    number = pl.when(pl.col("k") > len(_QUALIFIERS)).then(
        (pl.col("k") // len(_QUALIFIERS) + 1).cast(pl.String)).otherwise(pl.lit(""))
    df = df.with_columns(
        name=pl.when(pl.col("k") > 0).then(
            pl.concat_str([pl.col("pre"), pl.col("suf"), qualifier], separator=" ")
            + pl.when(number != "").then(" " + number).otherwise(pl.lit("")))
        .otherwise(pl.col("pre") + " " + pl.col("suf")),
        domain=pl.col("stem") + pl.when(pl.col("k") > 0).then(qualifier.str.to_lowercase() + number)
        .otherwise(pl.lit("")) + pl.col("tld"),
    )
    return df.with_columns(
        website="https://" + pl.col("domain"),
        linkedin_url="https://www.linkedin.com/company/" + pl.col("domain").str.replace_all(r"\.", "-"),
        location=pl.col("city") + ", " + pl.col("country").replace_strict(_COUNTRY_NAMES, default=pl.col("country")),
        description=pl.col("name") + " is a " + pl.col("industry") + " company with about "
        + pl.col("headcount").cast(pl.String) + " staff, founded in " + pl.col("year_founded").cast(pl.String) + ".",
        source=pl.lit("demo"),
    ).select("id", "domain", "name", "industry", "headcount", "location", "country", "website", "linkedin_url",
             "description", "year_founded", "source")


def build_people(n: int, companies: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    company_idx = rng.integers(0, companies.height, n)
    first = rng.integers(0, len(_FIRST), n)
    last = rng.integers(0, len(_LAST), n)
    title = _weighted(rng, n, [t[2] for t in _TITLES])
    has_email = rng.random(n) < 0.68
    has_linkedin = rng.random(n) < 0.82
    has_phone = rng.random(n) < 0.3
    status_roll = rng.random(n)
    verified_days = rng.integers(1, 200, n)
    company = companies.select(
        pl.col("name").alias("company_name"), pl.col("domain").alias("company_domain"),
        pl.col("industry").alias("vertical"), "location", "country",
    )[company_idx]
    df = pl.DataFrame({
        "id": np.arange(1, n + 1), "first_name": np.array(_FIRST)[first], "last_name": np.array(_LAST)[last],
        "job_title": np.array([t[0] for t in _TITLES])[title], "seniority": np.array([t[1] for t in _TITLES])[title],
        "has_email": has_email, "has_linkedin": has_linkedin, "has_phone": has_phone, "status_roll": status_roll,
        "verified_days": verified_days, "phone_digits": rng.integers(1_000_000, 9_999_999, n),
    }).hstack(company)
    local = (pl.col("first_name") + "." + pl.col("last_name")).str.to_lowercase()
    df = df.with_columns(base_email=local + "@" + pl.col("company_domain"))
    # Same name at the same company: later ones get their id in the address so emails stay unique.
    dup = pl.col("base_email").cum_count().over("base_email") > 1
    status = (pl.when(pl.col("status_roll") < 0.45).then(pl.lit("valid"))
              .when(pl.col("status_roll") < 0.55).then(pl.lit("catch_all"))
              .when(pl.col("status_roll") < 0.60).then(pl.lit("risky"))
              .when(pl.col("status_roll") < 0.65).then(pl.lit("invalid"))
              .otherwise(pl.lit(None, dtype=pl.String)))
    return df.with_columns(
        email=pl.when(pl.col("has_email")).then(
            pl.when(dup).then(local + pl.col("id").cast(pl.String) + "@" + pl.col("company_domain"))
            .otherwise(pl.col("base_email"))),
        linkedin_url=pl.when(pl.col("has_linkedin")).then(
            "https://www.linkedin.com/in/" + (pl.col("first_name") + "-" + pl.col("last_name")).str.to_lowercase()
            + "-" + pl.col("id").cast(pl.String)),
        phone=pl.when(pl.col("has_phone") & (pl.col("country") == "GB")).then("+4420" + pl.col("phone_digits").cast(pl.String) + "0")
        .when(pl.col("has_phone") & (pl.col("country") == "US")).then("+1415" + pl.col("phone_digits").cast(pl.String)),
    ).with_columns(
        email_status=pl.when(pl.col("email").is_not_null()).then(status),
    ).with_columns(
        verified_at=pl.when(pl.col("email_status").is_not_null()).then(
            pl.lit("2026-11-20").str.to_datetime() - pl.duration(days=pl.col("verified_days"))),
        source=pl.lit("demo"),
    ).select("id", "email", "first_name", "last_name", "job_title", "seniority", "company_name", "company_domain",
             "linkedin_url", "phone", "location", "country", "vertical", "source", "email_status", "verified_at")


def build_memberships(people: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = people.height
    slugs = np.array([w["slug"] for w in WORKSPACES])
    primary = _weighted(rng, n, WORKSPACE_WEIGHTS)
    second = (primary + rng.integers(1, len(WORKSPACES), n)) % len(WORKSPACES)
    also = rng.random(n) < 0.1
    ids = people["id"].to_numpy()
    first = pl.DataFrame({"person_id": ids, "workspace_slug": slugs[primary]})
    extra = pl.DataFrame({"person_id": ids[also], "workspace_slug": slugs[second[also]]})
    return pl.concat([first, extra]).with_columns(source=pl.lit("demo"))


_DATA_TABLES = ("target_list_members", "target_lists", "person_workspaces", "icp_scores", "enrichment_log",
                "email_drafts", "portal_approvals", "campaign_deploys", "agent_runs", "notification_outbox",
                "magic_links", "portal_sessions", "sign_in_slots", "sign_in_attempts", "import_runs", "people",
                "companies", "workspaces")


def seed_demo(people: int = DEFAULT_PEOPLE, seed: int = 7, reset: bool = False, if_empty: bool = False,
              on_progress: Callable[[str], None] | None = None) -> SeedResult:
    """Fill the store with demo data. Refuses to touch a store that already has people unless
    `reset` (replace everything) or `if_empty` (do nothing and say so)."""
    if people < 1:
        raise OperationError("--people must be at least 1")
    say = on_progress or (lambda _msg: None)
    ensure_schema()
    with connect() as con:
        existing = con.execute("SELECT count(*) FROM people").fetchone()[0]
    if existing and if_empty:
        return SeedResult(0, 0, 0, 0, 0, {}, seed, skipped=True)
    if existing and not reset:
        raise OperationError(f"the store already holds {existing:,} people; pass --reset to replace them with demo data")

    rng = np.random.default_rng(seed)
    say("generating companies")
    companies_df = build_companies(max(1, round(people * COMPANIES_PER_PERSON)), rng)
    say("generating people")
    people_df = build_people(people, companies_df, rng)
    memberships = build_memberships(people_df, rng)
    workspaces_df = pl.DataFrame([
        {"slug": w["slug"], "name": w["name"], "vertical": w["vertical"], "icp_criteria": w["icp_criteria"],
         "icp_rules": json.dumps(w["icp_rules"]), "client_emails": json.dumps(w["client_emails"]),
         "notification_emails": json.dumps(["admin@outsignal.example"])}
        for w in WORKSPACES
    ])
    say("writing to the store")
    with transaction() as con:
        if reset:
            for table in _DATA_TABLES:
                con.execute(f"DELETE FROM {table}")
        con.execute("INSERT INTO workspaces (slug, name, vertical, icp_criteria, icp_rules, client_emails, "
                    "notification_emails) SELECT * FROM workspaces_df")
        cols = ", ".join(companies_df.columns)
        con.execute(f"INSERT INTO companies ({cols}) SELECT {cols} FROM companies_df")
        cols = ", ".join(people_df.columns)
        con.execute(f"INSERT INTO people ({cols}) SELECT {cols} FROM people_df")
        refresh_search_index(con)
        con.execute("INSERT INTO person_workspaces (person_id, workspace_slug, source) SELECT * FROM memberships")
        # Sequences continue after the demo ids so later inserts never collide.
        for seq, table in (("seq_people", "people"), ("seq_companies", "companies")):
            top = con.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            current = con.execute(f"SELECT nextval('{seq}')").fetchone()[0]
            if current <= top:
                con.execute(f"SELECT nextval('{seq}') FROM range(?)", [top - current + 1]).fetchall()
        list_sizes = {}
        for slug, name, size in DEMO_LISTS:
            target, _ = ensure_list(con, slug, name)
            ids = [r[0] for r in con.execute(
                """SELECT p.id FROM people p JOIN person_workspaces w ON w.person_id = p.id AND w.workspace_slug = ?
                   WHERE p.seniority IN ('C-Suite', 'VP', 'Director') ORDER BY hash(p.id + ?) LIMIT ?""",
                [slug, seed, size]).fetchall()]
            list_sizes[name] = add_members(con, target.id, ids)
    return SeedResult(
        workspaces=len(WORKSPACES), companies=companies_df.height, people=people_df.height,
        people_with_email=int(people_df["email"].is_not_null().sum()),
        people_with_linkedin=int(people_df["linkedin_url"].is_not_null().sum()),
        lists=list_sizes, seed=seed,
    )
