"""Importing lead files: every valid row lands, every invalid row is kept with its reason.

The rules: headers of common exports map automatically; values are normalised; a person is the same
person when the email matches, else the LinkedIn URL, else name + company domain; an import only ever
fills fields that are empty, never overwrites; a row that cannot be trusted goes to a rejects CSV with
the reason, so nothing the user gave us is lost.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from outsignal_pipelines import settings
from outsignal_pipelines.domain import normalize as norm
from outsignal_pipelines.domain.identity import name_key
from outsignal_pipelines.domain.lead_fields import map_headers
from outsignal_pipelines.domain.industries import vertical_for_industry
from outsignal_pipelines.domain.titles import normalise_title
from outsignal_pipelines.domain.untrusted_text import spreadsheet_row
from outsignal_pipelines.operations import OperationError, import_staging
from outsignal_pipelines.operations.lists import add_members_from, ensure_list
from outsignal_pipelines.operations.search_index import refresh_search_index_from
from outsignal_pipelines.operations.workspaces import get_workspace
from outsignal_pipelines.store import connect, transaction

MAX_CELL_CHARS = 2_000
MAX_FILE_BYTES = 512 * 1024 * 1024

PERSON_COLUMNS = import_staging.PERSON_COLUMNS
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


# ------------------------------------------------------------------ reading the file, streamed

_CHUNK = 1 << 20
BATCH_ROWS = 50_000


def _first_bad_utf8(path: Path) -> tuple[int, bool] | None:
    """(line of the first byte that is not UTF-8, whether any byte is not whitespace), read in chunks;
    None when the whole file is UTF-8. The second value says whether the file is empty."""
    carry, lines, nonblank = b"", 0, False
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            nonblank = nonblank or bool(chunk.strip())
            buffer = carry + chunk
            try:
                buffer.decode("utf-8")
                good = len(buffer)
            except UnicodeDecodeError as exc:
                truncated = exc.reason == "unexpected end of data" and exc.end == len(buffer)
                if not (truncated and chunk):
                    return lines + buffer[: exc.start].count(b"\n") + 1, nonblank
                good = exc.start
            lines += buffer[:good].count(b"\n")
            carry = buffer[good:]
            if not chunk:
                return None


def _decodes_as(path: Path, encoding: str) -> bool:
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                chunk.decode(encoding)  # single-byte encodings: chunks split anywhere
        except UnicodeDecodeError:
            return False
    return True


def _encoding(path: Path) -> tuple[str, str, list[str]]:
    """(codec to open the file with, encoding to report, warnings): the file is read in chunks, never
    whole, and judged as the whole-file decode judged it: UTF-16 by its BOM, UTF-8, else cp1252 (with a
    warning naming the first bad line), else latin-1."""
    name = path.name
    with path.open("rb") as handle:
        head = handle.read(4096)
    bad = _first_bad_utf8(path)
    nonblank = bad[1] if bad else _has_text(path)
    if not nonblank:
        raise ImportFileError(f"{name} is empty: there is nothing to import")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "utf-16", []
    if b"\x00" in head:
        raise ImportFileError(f"{name} is not a text CSV file (it contains binary data); export it as CSV first")
    if bad is None:
        return "utf-8-sig", "utf-8", []
    for encoding in ("cp1252", "latin-1"):
        if _decodes_as(path, encoding):
            return encoding, encoding, [
                f"{name} is not UTF-8 (first bad byte on line {bad[0]}); read it as {encoding}. "
                "Check accented names, and save as UTF-8 next time."
            ]
    raise ImportFileError(f"{name} could not be decoded")  # pragma: no cover - latin-1 decodes anything


def _has_text(path: Path) -> bool:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if chunk.strip():
                return True
    return False


def _delimiter(path: Path, codec: str) -> str:
    with path.open("r", encoding=codec, newline="") as handle:
        sample = handle.read(8192)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


class _Records:
    """(line number, cells) for each record after the header, which comes first as line 0; quoted
    newlines stay inside their cell. Streamed: one record in memory at a time; `bytes_read` says how
    far into the file the reading is (for a progress estimate)."""

    def __init__(self, path: Path, codec: str):
        self.path, self.codec = path, codec
        self._handle = None

    def bytes_read(self) -> int:
        try:
            return self._handle.buffer.tell() if self._handle is not None else 0
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        limit = sys.maxsize
        while True:  # the csv module refuses fields over its limit; cells are length-checked later instead
            try:
                csv.field_size_limit(limit)
                break
            except OverflowError:
                limit //= 10
        delimiter = _delimiter(self.path, self.codec)
        with self.path.open("r", encoding=self.codec, newline="") as handle:
            self._handle = handle
            reader = csv.reader(handle, delimiter=delimiter)
            header_seen = False
            try:
                while True:
                    line = reader.line_num + 1
                    try:
                        row = next(reader)
                    except StopIteration:
                        break
                    if not header_seen:
                        if not any(c.strip() for c in row):
                            continue
                        header_seen = True
                        yield 0, row
                    else:
                        yield line, row
            except csv.Error as exc:
                raise ImportFileError(f"the CSV is malformed near line {reader.line_num}: {exc}") from exc
            finally:
                self._handle = None
        if not header_seen:
            raise ImportFileError("the file has no header row")


# ------------------------------------------------------------------ normalising one row

class _Memo:
    """A pure normaliser with its answers remembered (titles, industries, companies, locations and
    first names repeat a lot in a lead file): the same value, or the same InvalidValue, as calling it.
    Bounded: forgotten wholesale when full, so memory stays flat on any file."""

    def __init__(self, fn: Callable[..., Any], size: int = 20_000):
        self.fn, self.size, self.seen = fn, size, {}

    def __call__(self, *args: Any) -> Any:
        try:
            answer = self.seen[args]
        except KeyError:
            try:
                answer = (True, self.fn(*args))
            except norm.InvalidValue as exc:
                answer = (False, str(exc))
            if len(self.seen) >= self.size:
                self.seen.clear()
            self.seen[args] = answer
        if answer[0]:
            return answer[1]
        raise norm.InvalidValue(answer[1])


_PLAIN_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _starts_plain(value: str) -> bool:
    """True when the first character is an ASCII letter or digit: then no cleaning (NFC, dropping
    control characters, trimming) can make the value start with = + - @, so it is no formula."""
    return value[:1] in _PLAIN_FIRST


def _is_formula_cell(value: str) -> bool:
    return not _starts_plain(value) and norm.is_spreadsheet_formula(norm.clean_text(value))


# Remembered: values that repeat down a file. Values unique to a row (emails, LinkedIn URLs, phones,
# name keys) are computed each time: remembering them would cost memory and save nothing.
_clean = _Memo(norm.clean_text)
_person_name = _Memo(norm.normalize_person_name)
_domain = _Memo(norm.normalize_domain)
_country = _Memo(lambda country, location: norm.normalize_country(country) or norm.country_from_location(location))
_seniority = _Memo(lambda title: normalise_title(title)[1])
_company_name = _Memo(norm.normalize_company_name)
_company_linkedin = _Memo(norm.normalize_linkedin_company_url)
_email = norm.normalize_email
_linkedin = norm.normalize_linkedin_url
_phone = norm.normalize_phone
_name_key = name_key


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
        if _is_formula_cell(value):
            raise norm.InvalidValue(f"{column!s} contains a spreadsheet formula ({value[:40]!r})")

    # Each mapped cell cleaned once (the same values several fields read).
    cell = {key: _clean(row[index]) for key, index in mapping.items() if index < len(row)}.get

    def labelled(key: str, fn: Callable[[str | None], Any]) -> Any:
        try:
            return fn(cell(key))
        except norm.InvalidValue as exc:
            raise norm.InvalidValue(f"{header[mapping[key]]}: {exc}") from exc

    first = _person_name(cell("first_name"))
    last = _person_name(cell("last_name"))
    full = _person_name(cell("full_name"))
    if full and not (first or last):
        first, _, last = full.partition(" ")
        last = last or None
    email = labelled("email", _email)
    linkedin = labelled("linkedin_url", _linkedin)
    domain = labelled("company_domain", _domain)
    website_raw = cell("website")
    if domain is None and website_raw:
        domain = labelled("website", _domain)
    if domain is None and email and not norm.is_personal_email(email):
        domain = norm.email_domain(email)
    location_parts = [cell(k) for k in ("location", "city", "state")]
    location = ", ".join(dict.fromkeys(p for p in location_parts if p)) or None
    country = _country(cell("country"), location)
    if location is None and cell("country"):
        location = cell("country")
    phone_raw = cell("phone")
    dropped: list[str] = []
    try:
        phone = _phone(phone_raw, country)
    except norm.InvalidValue:
        phone = None
        dropped.append(f"phone {phone_raw!r}")
    title = cell("job_title")
    industry_raw = cell("industry")
    # Industry labels of any export (Apollo's "Computer Software", LinkedIn's, free text) go through the
    # vertical normaliser; the company's industry is that vertical, the controlled vocabulary.
    vertical, _how = vertical_for_industry(industry_raw)
    seniority = _seniority(title) if title else None
    company_linkedin = None
    try:
        company_linkedin = labelled("company_linkedin_url", _company_linkedin)
    except norm.InvalidValue:
        dropped.append("company LinkedIn URL")
    person = {
        "email": email,
        "first_name": first,
        "last_name": last,
        "job_title": title,
        "seniority": seniority,
        "company_name": _company_name(cell("company_name")),
        "company_domain": domain,
        "linkedin_url": linkedin,
        "phone": phone,
        "location": location,
        "country": country,
        "vertical": vertical,
    }
    key = _name_key(first, last, domain)
    if not (email or linkedin or key):
        raise norm.InvalidValue("no email, LinkedIn URL, or first + last name with a company domain to identify this person")
    company = None
    if domain:
        company = {
            "domain": domain,
            "name": person["company_name"],
            "industry": vertical,
            "headcount": _headcount(cell("headcount")),
            "location": None,
            "country": None,
            "website": f"https://{domain}",
            "linkedin_url": company_linkedin,
        }
    _refuse_formulas(person, company)
    unmapped = {"industry": industry_raw if industry_raw and vertical is None else None,
                "title": title if seniority == "Unknown" else None}
    return {"person": person, "company": company, "dropped": dropped, "unmapped": unmapped, "name_key": key}


def _refuse_formulas(person: dict[str, Any], company: dict[str, Any] | None) -> None:
    """The formula rule once more on what would be stored: normalising (trimming punctuation, dropping
    a legal suffix) can turn a harmless cell into one that starts with = + - @."""
    for fields in (person, company or {}):
        for field, value in fields.items():
            if isinstance(value, str) and not _starts_plain(value) and norm.is_spreadsheet_formula(value):
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


def _plan_people(records: list[tuple[int, dict]], existing: list[dict]):
    """Resolve each record to an existing person, an earlier new record, or a new person.

    Returns (new records, the seq of the record that started each, updates, matched existing ids,
    duplicates, name keys registered that no record or existing person had: merged from several)."""
    by_email: dict[str, tuple[str, Any]] = {}
    by_linkedin: dict[str, tuple[str, Any]] = {}
    by_name: dict[str, tuple[str, Any]] = {}
    existing_rows: dict[int, dict] = {}
    own_keys: set[str] = set()
    new_first: list[int] = []
    for row in existing:
        pid = row["id"]
        existing_rows[pid] = row
        ref = ("existing", pid)
        if row["email"]:
            by_email.setdefault(row["email"], ref)
        if row["linkedin_url"]:
            by_linkedin.setdefault(row["linkedin_url"], ref)
        key = _name_key(row["first_name"], row["last_name"], row["company_domain"])
        if key:
            by_name.setdefault(key, ref)
            own_keys.add(key)

    new_records: list[dict] = []
    pending: dict[int, dict] = {}  # existing id -> merged incoming values
    matched_existing: set[int] = set()
    duplicates = 0
    for seq, rec in records:
        person = rec["person"]
        key = _name_key(person["first_name"], person["last_name"], person["company_domain"])
        if key:
            own_keys.add(key)
        ref = (by_email.get(person["email"]) if person["email"] else None) \
            or (by_linkedin.get(person["linkedin_url"]) if person["linkedin_url"] else None) \
            or (by_name.get(key) if key else None)
        if ref is None:
            target = dict(person)
            new_records.append(target)
            new_first.append(seq)
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
        merged_key = _name_key(merged.get("first_name"), merged.get("last_name"), merged.get("company_domain"))
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
    return new_records, new_first, updates, matched_existing, duplicates, [k for k in by_name if k not in own_keys]


# ------------------------------------------------------------------ the operation

class _Rejects:
    """The rejects CSV, written row by row as rows are read (never held whole). It is written in the
    staging folder and moved to rejects/ only in the store's transaction, so an import that fails or
    is killed leaves no rejects file behind (its staging folder goes, with the partial file)."""

    def __init__(self, source: Path, staging_folder: Path):
        folder = settings.data_dir() / "rejects"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        self.path = folder / f"{source.stem}-rejects-{stamp}.csv"
        self.partial = staging_folder / "rejects.partial.csv"
        self.count = 0
        self._handle = None
        self._writer = None

    def add(self, line: int, values: list[str], reason: str, header: list[str]) -> None:
        if self._writer is None:
            self._handle = self.partial.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            # Cells are written as given, except that formulas are made inert, in the header too (a
            # client's column names) and in the reasons (which quote the cells).
            self._writer.writerow(spreadsheet_row(["line", "reason", *header]))
        self._writer.writerow([line, *spreadsheet_row([reason, *values])])
        self.count += 1

    def finish(self) -> str | None:
        """Moves the rejects file to rejects/ (inside the store's transaction); None when no row was rejected."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._writer is None:
            return None
        self.partial.replace(self.path)
        return str(self.path)

    def unfinish(self) -> None:
        """The store's transaction failed: the rejects file goes back to the staging folder, so a retry
        can move it again and a failed import leaves none behind."""
        if self._writer is not None and self.path.exists():
            self.path.replace(self.partial)

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self.partial.unlink(missing_ok=True)


class _StoreChanged(Exception):
    """The people a plan was made against changed before it could be applied."""


def _existing_sql(keys: dict[str, str]) -> str:
    """The store's people that rows with these keys could be (the same three ways a row matches)."""
    columns = ", ".join(("id",) + PERSON_COLUMNS)
    return f"""SELECT {columns} FROM people WHERE email IN (SELECT value FROM read_parquet('{keys['emails']}'))
            UNION SELECT {columns} FROM people
                  WHERE linkedin_url IN (SELECT value FROM read_parquet('{keys['linkedins']}'))
            UNION SELECT {columns} FROM people WHERE email IS NULL AND linkedin_url IS NULL
                  AND company_domain IN (SELECT value FROM read_parquet('{keys['domains']}'))"""


def _fingerprint(con, keys: dict[str, str]) -> tuple:
    columns = ", ".join(("id",) + PERSON_COLUMNS)
    return tuple(con.execute(f"SELECT count(*), sum(hash({columns})::HUGEINT) FROM ({_existing_sql(keys)})"
                             ).fetchone())


def _read_and_stage(file_path: Path, codec: str, stage: import_staging.Staging, result: ImportResult,
                    rejects: _Rejects, on_progress: Callable[[int, int], None] | None) -> tuple[list[str], int, int]:
    """Reads, normalises and stages the file batch by batch. Returns (header, data rows, unusable
    optional values left empty)."""
    stream = _Records(file_path, codec)
    records = iter(stream)
    _, raw_header = next(records)
    header = [h.replace("\ufeff", "").strip() for h in raw_header]
    mapping = map_headers(header)
    has_name_and_domain = {"first_name", "last_name"} <= mapping.keys() or "full_name" in mapping
    has_domain = bool({"company_domain", "website"} & mapping.keys())
    if "email" not in mapping and "linkedin_url" not in mapping and not (has_name_and_domain and has_domain):
        raise ImportFileError(
            f"{file_path.name} has no email column (nor a LinkedIn URL, nor names with a company domain), "
            f"so no row could be matched to a person. Columns found: {', '.join(header) or 'none'}"
        )
    if "email" not in mapping:
        result.warnings.append("no email column: people are imported without email; enrichment can find them")
    size = max(file_path.stat().st_size, 1)
    names = list(import_staging.STAGED_SCHEMA)
    batch: dict[str, list] = {n: [] for n in names}
    done = dropped = seq = 0
    width = len(header)
    for line, row in records:
        done += 1
        if not any(cell.strip() for cell in row):
            result.blank_rows += 1
        elif len(row) != width:
            rejects.add(line, row, f"row has {len(row)} fields but the header has {width}", header)
        else:
            try:
                normalised = _normalise_row(row, header, mapping)
            except norm.InvalidValue as exc:
                rejects.add(line, row, str(exc), header)
            else:
                seq += 1
                person, company, unmapped = normalised["person"], normalised["company"], normalised["unmapped"]
                dropped += len(normalised["dropped"])
                batch["seq"].append(seq)
                batch["line"].append(line)
                for column in PERSON_COLUMNS:
                    batch[column].append(person[column])
                batch["name_key"].append(normalised["name_key"])
                batch["headcount"].append(company["headcount"] if company else None)
                batch["company_linkedin"].append(company["linkedin_url"] if company else None)
                batch["unmapped_industry"].append(unmapped["industry"])
                batch["unmapped_title"].append(unmapped["title"])
                if len(batch["seq"]) >= BATCH_ROWS:
                    stage.append(batch)
                    batch = {n: [] for n in names}
        if on_progress and done % 1000 == 0:
            # The total is not known until the end of a streamed file: estimated from bytes read.
            on_progress(done, max(done, int(done * size / max(stream.bytes_read(), 1))))
    if batch["seq"]:
        stage.append(batch)
    if on_progress:
        on_progress(done, done)
    return header, done, dropped


def _plan(stage: import_staging.Staging, keys: dict[str, str]) -> tuple[tuple, int]:
    """Plans the import against the store as it is now. Returns (the fingerprint of the store's
    people the plan depends on, duplicates within the file)."""
    existing = stage.path("existing.parquet")
    with connect() as con:
        fingerprint = _fingerprint(con, keys)
        con.execute(f"COPY ({_existing_sql(keys)} ORDER BY id) TO '{existing}' (FORMAT parquet)")
    stage.load_existing(existing, _name_key)
    stage.group()
    while True:
        stage.start_plan()
        duplicates = 0
        crossing: list[tuple[int, str]] = []
        new: list[tuple[int, dict]] = []
        updates: dict[int, dict] = {}
        matched: list[int] = []
        for known, rows in stage.groups():
            new_records, new_first, group_updates, group_matched, group_duplicates, extra_keys = _plan_people(rows, known)
            duplicates += group_duplicates
            new.extend(zip(new_first, new_records))
            updates.update(group_updates)
            matched.extend(group_matched)
            crossing.extend((rows[0][0], key) for key in extra_keys)
            if len(new) + len(updates) + len(matched) >= BATCH_ROWS:
                stage.add_plan(new, updates, matched)
                new, updates, matched = [], {}, []
        stage.add_plan(new, updates, matched)
        edges = stage.crossing(crossing)
        if not edges:
            return fingerprint, duplicates
        # A merged person's name key (first name from one row, last name from another) is another
        # group's key: those groups are one, as they were when the whole file was planned at once.
        stage.group(edges)


def _apply(con, plan: dict[str, str], workspace: str, list_name: str | None, source: str, file_name: str,
           result: ImportResult) -> None:
    """The plan applied to the store, inside the caller's transaction; all SQL over Parquet files."""
    new_count = con.execute(f"SELECT count(*) FROM read_parquet('{plan['new']}')").fetchone()[0]
    result.inserted = new_count
    result.updated = con.execute(f"SELECT count(*) FROM read_parquet('{plan['upd']}')").fetchone()[0]
    matched_count = con.execute(f"SELECT count(*) FROM read_parquet('{plan['matched']}')").fetchone()[0]
    result.unchanged = matched_count - result.updated
    cols = ", ".join(PERSON_COLUMNS)
    con.execute("CREATE OR REPLACE TEMP TABLE import_new_ids (first_seq BIGINT, id BIGINT)")
    if new_count:
        # New people get their ids in file order, as the rows first named them: the ids are paired with
        # the rows' first_seq alone, so only two numbers per row are sorted, never the people's text.
        con.execute(f"""INSERT INTO import_new_ids
            SELECT n.first_seq, i.id
              FROM (SELECT first_seq, row_number() OVER (ORDER BY first_seq) AS rn FROM read_parquet('{plan['new']}')) n
              JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn
                      FROM (SELECT nextval('seq_people') AS id FROM range(?))) i USING (rn)""", [new_count])
        con.execute(f"""INSERT INTO people (id, {cols}, source)
            SELECT i.id, {', '.join('n.' + c for c in PERSON_COLUMNS)}, ?
              FROM read_parquet('{plan['new']}') n JOIN import_new_ids i USING (first_seq)""", [source])
    if result.updated:
        filled = [c for c in PERSON_COLUMNS if con.execute(
            f"SELECT count(*) FROM read_parquet('{plan['upd']}') WHERE {c} IS NOT NULL").fetchone()[0]]
        # The SQL re-checks emptiness, so a concurrent writer's value is never overwritten either.
        sets = ", ".join(f"{c} = CASE WHEN u.{c} IS NOT NULL AND (people.{c} IS NULL OR people.{c} = '') "
                         f"THEN u.{c} ELSE people.{c} END" for c in filled)
        con.execute(f"UPDATE people SET {sets}, updated_at = current_timestamp "
                    f"FROM read_parquet('{plan['upd']}') u WHERE people.id = u.pid")
    if new_count or result.updated:  # the search index changes in the same transaction as the rows
        refresh_search_index_from(con, f"SELECT id FROM import_new_ids UNION ALL "
                                       f"SELECT pid FROM read_parquet('{plan['upd']}')")
    touched = f"SELECT id FROM import_new_ids UNION ALL SELECT pid FROM read_parquet('{plan['matched']}')"
    con.execute(f"""INSERT INTO person_workspaces (person_id, workspace_slug, source)
                    SELECT id, ?, ? FROM ({touched}) ON CONFLICT DO NOTHING""", [workspace, file_name])
    result.companies_inserted, result.companies_updated = _upsert_companies(con, plan["companies"], source)
    if list_name:
        target, _ = ensure_list(con, workspace, list_name)
        result.list_id = target.id
        result.added_to_list = add_members_from(con, target.id, touched)


def import_leads(
    path: str | Path,
    workspace: str,
    list_name: str | None = None,
    source: str = "csv_import",
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a lead file into a workspace (and optionally a list). See the module docstring.

    Memory stays flat for any file size: the file is read and normalised in batches into a staging
    DuckDB file (`import_staging`), planned there, and applied in one short transaction at the end."""
    file_path = Path(path)
    if not file_path.is_file():
        raise ImportFileError(f"{file_path} does not exist or is not a file")
    if file_path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"{file_path.name} is larger than {MAX_FILE_BYTES // 2**20} MB; split it first")
    with connect() as con:
        get_workspace(workspace, con)  # fail before doing any work

    codec, encoding, warnings = _encoding(file_path)
    result = ImportResult(encoding=encoding, warnings=warnings)
    with import_staging.staging() as stage:
        rejects = _Rejects(file_path, stage.folder)
        try:
            header, rows, dropped = _read_and_stage(file_path, codec, stage, result, rejects, on_progress)
            for kind in ("industry", "title"):
                count, common = stage.unmapped(kind)
                setattr(result, "industries_unmapped" if kind == "industry" else "titles_unmapped", count)
                if count:
                    label, what = (("industry labels", "vertical") if kind == "industry"
                                   else ("job titles", "seniority level"))
                    result.warnings.append(f"{count} rows have {label} with no {what} (left empty): "
                                           + ", ".join(repr(v) for v in common))
            if dropped:
                result.warnings.append(f"{dropped} unusable optional values (phones, company LinkedIn URLs) "
                                       "were left empty")
            if not rows:
                result.warnings.append(f"{file_path.name} has a header but no data rows")
            keys = stage.export_keys()
            for _attempt in range(5):
                fingerprint, result.duplicates_in_file = _plan(stage, keys)
                plan = stage.export_plan()
                stage.release_memory()
                try:
                    _commit(plan, keys, fingerprint, workspace, list_name, source, file_path.name, rejects, result)
                except _StoreChanged:
                    continue
                return result
            raise OperationError("the store's people kept changing while this file was imported; try again")
        finally:
            rejects.discard()


def _commit(plan: dict[str, str], keys: dict[str, str], fingerprint: tuple, workspace: str,
            list_name: str | None, source: str, file_name: str, rejects: _Rejects, result: ImportResult) -> None:
    """The plan applied in one transaction, all or nothing. The store's DuckDB works within the first
    of the apply limits, through the commit; should that be too little (its indexes of the new rows
    cannot spill), the transaction is rolled back, nothing written, and run again under the next."""
    for cap in import_staging.APPLY_MEMORY_LIMITS:
        limit = import_staging.StoreMemoryLimit()
        try:
            with transaction() as con:
                # Planned outside the transaction (so the store is not held while planning); applied
                # only if the people it was planned against are as they were.
                if _fingerprint(con, keys) != fingerprint:
                    raise _StoreChanged
                if cap:
                    limit.lower(con, cap)
                _apply(con, plan, workspace, list_name, source, file_name, result)
                result.rejected = rejects.count
                result.rejects_file = rejects.finish()
                con.execute(
                    """INSERT INTO import_runs (workspace_slug, file_name, list_id, inserted, updated,
                                                unchanged, rejected, rejects_file)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    [workspace, file_name, result.list_id, result.inserted, result.updated,
                     result.unchanged, result.rejected, result.rejects_file],
                )
        except BaseException as exc:
            rejects.unfinish()
            result.rejects_file = None
            if cap and import_staging.out_of_memory(exc):
                continue
            raise
        finally:
            limit.restore_after(connect)
        return


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


def _upsert_companies(con, companies_parquet: str, source: str) -> tuple[int, int]:
    """Insert unknown domains; fill only the empty fields of known ones. Returns (inserted, updated).
    The file's companies come merged already: per domain, each field's first non-empty value."""
    incoming = f"read_parquet('{companies_parquet}')"
    known = "SELECT domain FROM companies"
    inserted = con.execute(f"SELECT count(*) FROM {incoming} WHERE domain NOT IN ({known})").fetchone()[0]
    # A known company counts as updated when a field empty there ('' too) has a value here; the SQL
    # fills only NULL fields, as before.
    def fills(col: str) -> str:
        if col == "headcount":
            return f"(c.{col} IS NULL AND i.{col} IS NOT NULL)"
        return f"((c.{col} IS NULL OR c.{col} = '') AND i.{col} IS NOT NULL AND i.{col} <> '')"

    empty_here = " OR ".join(fills(col) for col in COMPANY_COLUMNS)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE import_company_fills AS
        SELECT i.* FROM {incoming} i JOIN companies c USING (domain) WHERE {empty_here}""")
    updated = con.execute("SELECT count(*) FROM import_company_fills").fetchone()[0]
    if inserted:
        cols = ", ".join(("domain",) + COMPANY_COLUMNS)
        con.execute(f"""INSERT INTO companies ({cols}, source)
            SELECT {cols}, ? FROM {incoming} WHERE domain NOT IN ({known}) ORDER BY first_seq""", [source])
    if updated:
        sets = ", ".join(f"{c} = CASE WHEN companies.{c} IS NULL THEN f.{c} ELSE companies.{c} END"
                         for c in COMPANY_COLUMNS)
        con.execute(f"""UPDATE companies SET {sets}, updated_at = current_timestamp
                        FROM import_company_fills f WHERE companies.domain = f.domain""")
    return inserted, updated
