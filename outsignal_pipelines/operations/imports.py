"""Importing lead files: every valid row lands, every invalid row is kept with its reason.

The rules: headers of common exports map automatically; values are normalised; a person is the same
person when the email matches, else the LinkedIn URL, else name + company domain; an import only ever
fills fields that are empty, never overwrites; a row that cannot be trusted goes to a rejects CSV with
the reason, so nothing the user gave us is lost.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from outsignal_pipelines import settings
from outsignal_pipelines.domain import normalize as norm
from outsignal_pipelines.domain.identity import name_key
from outsignal_pipelines.domain.lead_fields import map_headers
from outsignal_pipelines.domain.industries import vertical_for_industry
from outsignal_pipelines.domain.titles import normalise_title
from outsignal_pipelines.domain.untrusted_text import spreadsheet_row
from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.lists import add_members, ensure_list
from outsignal_pipelines.operations.search_index import refresh_search_index
from outsignal_pipelines.operations.workspaces import get_workspace
from outsignal_pipelines.store import connect, transaction

MAX_CELL_CHARS = 2_000
MAX_FILE_BYTES = 512 * 1024 * 1024

PERSON_COLUMNS = (
    "email", "first_name", "last_name", "job_title", "seniority", "company_name", "company_domain",
    "linkedin_url", "phone", "location", "country", "vertical",
)
COMPANY_COLUMNS = ("name", "industry", "headcount", "location", "country", "website", "linkedin_url")


class ImportFileError(OperationError):
    """The file as a whole cannot be imported (empty, binary, no identity column...)."""


@dataclass
class ImportResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    duplicates_in_file: int = 0
    blank_rows: int = 0
    companies_inserted: int = 0
    companies_updated: int = 0
    list_id: str | None = None
    added_to_list: int = 0
    encoding: str = "utf-8"
    # What the normalisers could not map: industry labels (no vertical) and titles (no seniority level).
    industries_unmapped: int = 0
    titles_unmapped: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Reject:
    line: int
    values: list[str]
    reason: str


# ------------------------------------------------------------------ reading the file

def _decode(raw: bytes, name: str) -> tuple[str, str, list[str]]:
    if not raw.strip():
        raise ImportFileError(f"{name} is empty: there is nothing to import")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16", []
    if b"\x00" in raw[:4096]:
        raise ImportFileError(f"{name} is not a text CSV file (it contains binary data); export it as CSV first")
    try:
        return raw.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        for encoding in ("cp1252", "latin-1"):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            return text, encoding, [
                f"{name} is not UTF-8 (first bad byte on line {line}); read it as {encoding}. "
                "Check accented names, and save as UTF-8 next time."
            ]
    raise ImportFileError(f"{name} could not be decoded")  # pragma: no cover - latin-1 decodes anything


def _parse(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) for each record; quoted newlines stay inside their cell."""
    limit = sys.maxsize
    while True:  # the csv module refuses fields over its limit; cells are length-checked later instead
        try:
            csv.field_size_limit(limit)
            break
        except OverflowError:
            limit //= 10
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if header is None:
                if not any(c.strip() for c in row):
                    continue
                header = row
            else:
                records.append((line, row))
    except csv.Error as exc:
        raise ImportFileError(f"the CSV is malformed near line {reader.line_num}: {exc}") from exc
    if header is None:
        raise ImportFileError("the file has no header row")
    return header, records


# ------------------------------------------------------------------ normalising one row

def _cell(row: list[str], mapping: dict[str, int], key: str) -> str | None:
    index = mapping.get(key)
    if index is None or index >= len(row):
        return None
    return norm.clean_text(row[index])


def _headcount(value: str | None) -> int | None:
    if not value:
        return None
    digits = [int(part) for part in value.replace(",", "").replace("+", " ").replace("-", " ").split() if part.isdigit()]
    return digits[0] if digits else None


def _normalise_row(row: list[str], header: list[str], mapping: dict[str, int]) -> dict[str, Any]:
    """The person and company fields of one row; raises InvalidValue with the reason to reject it."""
    for index, value in enumerate(row):
        column = header[index] if index < len(header) else f"column {index + 1}"
        if len(value) > MAX_CELL_CHARS:
            raise norm.InvalidValue(f"{column!s} is {len(value):,} characters long (limit {MAX_CELL_CHARS:,})")
        if norm.is_spreadsheet_formula(norm.clean_text(value)):
            raise norm.InvalidValue(f"{column!s} contains a spreadsheet formula ({value[:40]!r})")

    def labelled(key: str, fn: Callable[[str | None], Any]) -> Any:
        try:
            return fn(_cell(row, mapping, key))
        except norm.InvalidValue as exc:
            raise norm.InvalidValue(f"{header[mapping[key]]}: {exc}") from exc

    first = norm.normalize_person_name(_cell(row, mapping, "first_name"))
    last = norm.normalize_person_name(_cell(row, mapping, "last_name"))
    full = norm.normalize_person_name(_cell(row, mapping, "full_name"))
    if full and not (first or last):
        first, _, last = full.partition(" ")
        last = last or None
    email = labelled("email", norm.normalize_email)
    linkedin = labelled("linkedin_url", norm.normalize_linkedin_url)
    domain = labelled("company_domain", norm.normalize_domain)
    website_raw = _cell(row, mapping, "website")
    if domain is None and website_raw:
        domain = labelled("website", norm.normalize_domain)
    if domain is None and email and not norm.is_personal_email(email):
        domain = norm.email_domain(email)
    location_parts = [_cell(row, mapping, k) for k in ("location", "city", "state")]
    location = ", ".join(dict.fromkeys(p for p in location_parts if p)) or None
    country = norm.normalize_country(_cell(row, mapping, "country")) or norm.country_from_location(location)
    if location is None and _cell(row, mapping, "country"):
        location = _cell(row, mapping, "country")
    phone_raw = _cell(row, mapping, "phone")
    dropped: list[str] = []
    try:
        phone = norm.normalize_phone(phone_raw, country)
    except norm.InvalidValue:
        phone = None
        dropped.append(f"phone {phone_raw!r}")
    title = _cell(row, mapping, "job_title")
    industry_raw = _cell(row, mapping, "industry")
    # Industry labels of any export (Apollo's "Computer Software", LinkedIn's, free text) go through the
    # vertical normaliser; the company's industry is that vertical, the controlled vocabulary.
    vertical, _how = vertical_for_industry(industry_raw)
    seniority = normalise_title(title)[1] if title else None
    company_linkedin = None
    try:
        company_linkedin = labelled("company_linkedin_url", norm.normalize_linkedin_company_url)
    except norm.InvalidValue:
        dropped.append("company LinkedIn URL")
    person = {
        "email": email,
        "first_name": first,
        "last_name": last,
        "job_title": title,
        "seniority": seniority,
        "company_name": norm.normalize_company_name(_cell(row, mapping, "company_name")),
        "company_domain": domain,
        "linkedin_url": linkedin,
        "phone": phone,
        "location": location,
        "country": country,
        "vertical": vertical,
    }
    if not (email or linkedin or name_key(first, last, domain)):
        raise norm.InvalidValue("no email, LinkedIn URL, or first + last name with a company domain to identify this person")
    company = None
    if domain:
        company = {
            "domain": domain,
            "name": person["company_name"],
            "industry": vertical,
            "headcount": _headcount(_cell(row, mapping, "headcount")),
            "location": None,
            "country": None,
            "website": f"https://{domain}",
            "linkedin_url": company_linkedin,
        }
    _refuse_formulas(person, company)
    unmapped = {"industry": industry_raw if industry_raw and vertical is None else None,
                "title": title if seniority == "Unknown" else None}
    return {"person": person, "company": company, "dropped": dropped, "unmapped": unmapped}


def _refuse_formulas(person: dict[str, Any], company: dict[str, Any] | None) -> None:
    """The formula rule once more on what would be stored: normalising (trimming punctuation, dropping
    a legal suffix) can turn a harmless cell into one that starts with = + - @."""
    for fields in (person, company or {}):
        for field, value in fields.items():
            if isinstance(value, str) and norm.is_spreadsheet_formula(value):
                raise norm.InvalidValue(f"{field.replace('_', ' ')} would be stored as a spreadsheet formula "
                                        f"({value[:40]!r})")


# ------------------------------------------------------------------ merging

def _fill_empty(target: dict[str, Any], source: dict[str, Any], columns: tuple[str, ...]) -> list[str]:
    filled = []
    for column in columns:
        if target.get(column) in (None, "") and source.get(column) not in (None, ""):
            target[column] = source[column]
            filled.append(column)
    return filled


def _existing_people(con, emails: list[str], linkedins: list[str], domains: list[str]) -> pl.DataFrame:
    columns = ", ".join(("id",) + PERSON_COLUMNS)
    keys_df = pl.DataFrame({"email": emails}, schema={"email": pl.String})  # noqa: F841 - read by DuckDB
    li_df = pl.DataFrame({"linkedin_url": linkedins}, schema={"linkedin_url": pl.String})  # noqa: F841
    dom_df = pl.DataFrame({"domain": domains}, schema={"domain": pl.String})  # noqa: F841
    return con.sql(
        f"""SELECT {columns} FROM people WHERE email IN (SELECT email FROM keys_df)
            UNION SELECT {columns} FROM people WHERE linkedin_url IN (SELECT linkedin_url FROM li_df)
            UNION SELECT {columns} FROM people WHERE email IS NULL AND linkedin_url IS NULL
                  AND company_domain IN (SELECT domain FROM dom_df)"""
    ).pl()


def _plan_people(records: list[tuple[int, dict]], existing: pl.DataFrame):
    """Resolve each record to an existing person, an earlier new record, or a new person."""
    by_email: dict[str, tuple[str, Any]] = {}
    by_linkedin: dict[str, tuple[str, Any]] = {}
    by_name: dict[str, tuple[str, Any]] = {}
    existing_rows: dict[int, dict] = {}
    for row in existing.to_dicts():
        pid = row["id"]
        existing_rows[pid] = row
        ref = ("existing", pid)
        if row["email"]:
            by_email.setdefault(row["email"], ref)
        if row["linkedin_url"]:
            by_linkedin.setdefault(row["linkedin_url"], ref)
        key = name_key(row["first_name"], row["last_name"], row["company_domain"])
        if key:
            by_name.setdefault(key, ref)

    new_records: list[dict] = []
    pending: dict[int, dict] = {}  # existing id -> merged incoming values
    matched_existing: set[int] = set()
    duplicates = 0
    for _line, rec in records:
        person = rec["person"]
        key = name_key(person["first_name"], person["last_name"], person["company_domain"])
        ref = (by_email.get(person["email"]) if person["email"] else None) \
            or (by_linkedin.get(person["linkedin_url"]) if person["linkedin_url"] else None) \
            or (by_name.get(key) if key else None)
        if ref is None:
            target = dict(person)
            new_records.append(target)
            ref = ("new", len(new_records) - 1)
        elif ref[0] == "new":
            duplicates += 1
            target = new_records[ref[1]]
            _fill_empty(target, person, PERSON_COLUMNS)
        else:
            pid = ref[1]
            if pid in matched_existing:
                duplicates += 1
            matched_existing.add(pid)
            target = pending.setdefault(pid, {})
            _fill_empty(target, person, PERSON_COLUMNS)
        # Register every key of the merged record so later rows find it by any of them.
        merged = target if ref[0] == "new" else {**pending[ref[1]], **{k: v for k, v in existing_rows[ref[1]].items() if v}}
        if merged.get("email"):
            by_email.setdefault(merged["email"], ref)
        if merged.get("linkedin_url"):
            by_linkedin.setdefault(merged["linkedin_url"], ref)
        merged_key = name_key(merged.get("first_name"), merged.get("last_name"), merged.get("company_domain"))
        if merged_key:
            by_name.setdefault(merged_key, ref)

    updates: dict[int, dict] = {}
    for pid, incoming in pending.items():
        current = dict(existing_rows[pid])
        filled = _fill_empty(current, incoming, PERSON_COLUMNS)
        # An identity value that already belongs to someone else is not copied onto this person.
        if "email" in filled and by_email.get(current["email"], ("existing", pid)) != ("existing", pid):
            filled.remove("email")
        if "linkedin_url" in filled and by_linkedin.get(current["linkedin_url"], ("existing", pid)) != ("existing", pid):
            filled.remove("linkedin_url")
        if filled:
            updates[pid] = {column: current[column] for column in filled}
    return new_records, updates, matched_existing, duplicates


# ------------------------------------------------------------------ the operation

def _write_rejects(rejects: list[_Reject], header: list[str], source: Path) -> str:
    folder = settings.data_dir() / "rejects"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{source.stem}-rejects-{stamp}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        # Cells are written as given, except that formulas are made inert, in the header too (a
        # client's column names) and in the reasons (which quote the cells).
        writer.writerow(spreadsheet_row(["line", "reason", *header]))
        for reject in rejects:
            writer.writerow([reject.line, *spreadsheet_row([reject.reason, *reject.values])])
    return str(path)


def import_leads(
    path: str | Path,
    workspace: str,
    list_name: str | None = None,
    source: str = "csv_import",
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a lead file into a workspace (and optionally a list). See the module docstring."""
    file_path = Path(path)
    if not file_path.is_file():
        raise ImportFileError(f"{file_path} does not exist or is not a file")
    if file_path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"{file_path.name} is larger than {MAX_FILE_BYTES // 2**20} MB; split it first")
    with connect() as con:
        get_workspace(workspace, con)  # fail before doing any work

    text, encoding, warnings = _decode(file_path.read_bytes(), file_path.name)
    header, records = _parse(text)
    header = [h.replace("\ufeff", "").strip() for h in header]
    mapping = map_headers(header)
    has_name_and_domain = {"first_name", "last_name"} <= mapping.keys() or "full_name" in mapping
    has_domain = bool({"company_domain", "website"} & mapping.keys())
    if "email" not in mapping and "linkedin_url" not in mapping and not (has_name_and_domain and has_domain):
        raise ImportFileError(
            f"{file_path.name} has no email column (nor a LinkedIn URL, nor names with a company domain), "
            f"so no row could be matched to a person. Columns found: {', '.join(header) or 'none'}"
        )
    if "email" not in mapping:
        warnings.append("no email column: people are imported without email; enrichment can find them")

    result = ImportResult(encoding=encoding, warnings=warnings)
    good: list[tuple[int, dict]] = []
    rejects: list[_Reject] = []
    dropped = 0
    total = len(records)
    for done, (line, row) in enumerate(records, start=1):
        if not any(cell.strip() for cell in row):
            result.blank_rows += 1
        elif len(row) != len(header):
            rejects.append(_Reject(line, row, f"row has {len(row)} fields but the header has {len(header)}"))
        else:
            try:
                normalised = _normalise_row(row, header, mapping)
            except norm.InvalidValue as exc:
                rejects.append(_Reject(line, row, str(exc)))
            else:
                good.append((line, normalised))
                dropped += len(normalised["dropped"])
        if on_progress and (done % 1000 == 0 or done == total):
            on_progress(done, total)
    _count_unmapped(result, [r for _, r in good])
    if dropped:
        result.warnings.append(f"{dropped} unusable optional values (phones, company LinkedIn URLs) were left empty")
    if not records:
        result.warnings.append(f"{file_path.name} has a header but no data rows")

    emails = sorted({r["person"]["email"] for _, r in good if r["person"]["email"]})
    linkedins = sorted({r["person"]["linkedin_url"] for _, r in good if r["person"]["linkedin_url"]})
    domains = sorted({r["person"]["company_domain"] for _, r in good if r["person"]["company_domain"]})

    with transaction() as con:
        existing = _existing_people(con, emails, linkedins, domains)
        new_records, updates, matched, duplicates = _plan_people(good, existing)
        result.duplicates_in_file = duplicates
        result.inserted = len(new_records)
        result.updated = len(updates)
        result.unchanged = len(matched) - len(updates)

        new_ids: list[int] = []
        if new_records:
            new_ids = [r[0] for r in con.execute(
                "SELECT nextval('seq_people') FROM range(?)", [len(new_records)]).fetchall()]
            new_df = pl.DataFrame(
                [{"id": pid, **{c: rec.get(c) for c in PERSON_COLUMNS}} for pid, rec in zip(new_ids, new_records)],
                schema={"id": pl.Int64, **{c: pl.String for c in PERSON_COLUMNS}},
            ).with_columns(pl.lit(source).alias("source"))
            cols = ", ".join(new_df.columns)
            con.execute(f"INSERT INTO people ({cols}) SELECT {cols} FROM new_df")
        for pid, values in updates.items():
            # The SQL re-checks emptiness, so a concurrent writer's value is never overwritten either.
            sets = ", ".join(f"{c} = CASE WHEN {c} IS NULL OR {c} = '' THEN ? ELSE {c} END" for c in values)
            con.execute(f"UPDATE people SET {sets}, updated_at = current_timestamp WHERE id = ?",
                        [*values.values(), pid])
        refresh_search_index(con, new_ids + list(updates))   # same transaction as the rows

        touched = new_ids + sorted(matched)
        if touched:
            con.execute(
                """INSERT INTO person_workspaces (person_id, workspace_slug, source)
                   SELECT unnest(?::BIGINT[]), ?, ? ON CONFLICT DO NOTHING""",
                [touched, workspace, file_path.name],
            )
        companies = [r["company"] for _, r in good if r["company"]]
        result.companies_inserted, result.companies_updated = _upsert_companies(con, companies, source)
        if list_name:
            target, _ = ensure_list(con, workspace, list_name)
            result.list_id = target.id
            result.added_to_list = add_members(con, target.id, touched)
        if rejects:
            result.rejected = len(rejects)
            result.rejects_file = _write_rejects(rejects, header, file_path)
        con.execute(
            """INSERT INTO import_runs (workspace_slug, file_name, list_id, inserted, updated, unchanged, rejected, rejects_file)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [workspace, file_path.name, result.list_id, result.inserted, result.updated, result.unchanged,
             result.rejected, result.rejects_file],
        )
    return result


def _count_unmapped(result: ImportResult, records: list[dict]) -> None:
    """The import report says what the normalisers could not map, with the commonest examples, so a
    vocabulary gap is seen at import time rather than as leads the vertical filters silently miss."""
    for kind, label in (("industry", "industry labels"), ("title", "job titles")):
        values = [r["unmapped"][kind] for r in records if r["unmapped"][kind]]
        setattr(result, "industries_unmapped" if kind == "industry" else "titles_unmapped", len(values))
        if values:
            common = sorted(set(values), key=lambda v: (-values.count(v), v))[:5]
            what = "vertical" if kind == "industry" else "seniority level"
            result.warnings.append(f"{len(values)} rows have {label} with no {what} (left empty): "
                                   + ", ".join(repr(v) for v in common))


def import_upload(data: bytes, file_name: str, workspace: str, list_name: str | None = None,
                  source: str = "upload") -> ImportResult:
    """Import a file uploaded in the app: kept under the data folder's uploads/ (so a rejects file can
    name it), then imported like any file."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(f"{file_name} is larger than {MAX_FILE_BYTES // 2**20} MB; split it first")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(file_name or "upload.csv").name)[:80]
    folder = settings.data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{safe.lstrip('.') or 'upload.csv'}"
    path.write_bytes(data)
    return import_leads(path, workspace, list_name=list_name, source=source)


def _upsert_companies(con, companies: list[dict], source: str) -> tuple[int, int]:
    """Insert unknown domains; fill only the empty fields of known ones. Returns (inserted, updated)."""
    if not companies:
        return 0, 0
    merged: dict[str, dict] = {}
    for company in companies:
        target = merged.setdefault(company["domain"], {"domain": company["domain"]})
        _fill_empty(target, company, COMPANY_COLUMNS)
    incoming = pl.DataFrame(
        [{c: m.get(c) for c in ("domain",) + COMPANY_COLUMNS} for m in merged.values()],
        schema={"domain": pl.String, "name": pl.String, "industry": pl.String, "headcount": pl.Int64,
                "location": pl.String, "country": pl.String, "website": pl.String, "linkedin_url": pl.String},
    )
    known = con.sql(
        f"SELECT domain, {', '.join(COMPANY_COLUMNS)} FROM companies WHERE domain IN (SELECT domain FROM incoming)"
    ).pl()
    known_rows = {row["domain"]: row for row in known.to_dicts()}
    inserts = incoming.filter(~pl.col("domain").is_in(list(known_rows)))
    if inserts.height:
        inserts = inserts.with_columns(pl.lit(source).alias("source"))
        cols = ", ".join(inserts.columns)
        con.execute(f"INSERT INTO companies ({cols}) SELECT {cols} FROM inserts")
    updated = 0
    for row in incoming.filter(pl.col("domain").is_in(list(known_rows))).to_dicts():
        current = dict(known_rows[row["domain"]])
        filled = _fill_empty(current, row, COMPANY_COLUMNS)
        if filled:
            updated += 1
            sets = ", ".join(f"{c} = CASE WHEN {c} IS NULL THEN ? ELSE {c} END" for c in filled)
            con.execute(f"UPDATE companies SET {sets}, updated_at = current_timestamp WHERE domain = ?",
                        [*(current[c] for c in filled), row["domain"]])
    return inserts.height, updated
