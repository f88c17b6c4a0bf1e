"""The word index behind free-text people search (table person_search_tokens, migration 0013).

Free text matches a word prefix of the name, email or company, or whole words of the title
(operations/search.py). Scanning those five columns of a million people costs 100–400 ms; the words
of every person, sorted, answer the same question from a few thousand index rows. The index gives
exactly the same ids as the scan (tests/operations/test_search_index.py compares them):

- a needle that is one plain word ("smith", "smi"): people with a name/email/company word starting
  with it, or a title word equal to it or to one of its abbreviations; phrases an abbreviation
  stands for ("cto" → "chief technology officer") are re-checked with the title's regular expression
  on the people holding all of the phrase's words;
- any other needle ("james smith", "jo@acme.com", "o'brien"): the people holding every word of the
  needle (or of a title variant) as a word prefix, re-checked with the exact regular expressions;
- a needle with letters outside ASCII, or without a letter or digit: no index (None), the plain scan.

Every operation that writes people calls `refresh_search_index` in the same transaction, which also
records the state of people the index matches; search uses the index only when people still match
that state (rows written by hand, e.g. in SQL, make search fall back to the scan until refreshed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence


from outsignal_pipelines.domain.text_match import person_matches
from outsignal_pipelines.domain.titles import title_search_variants
from outsignal_pipelines.operations.search_columns import RowCache
from outsignal_pipelines.store import kept

_TOP = "\U0010ffff"   # above every character: [word, word + _TOP) holds exactly the words starting with `word`
_RUN = re.compile(r"[a-z0-9]+")

# The words of the people in relation `p` ({people}: the table, or only the people being refreshed).
_TOKENS_OF = r"""
    SELECT DISTINCT t.token, 'n' AS kind, p.id AS person_id
    FROM {people} p, unnest(regexp_split_to_array(lower(concat_ws(' ', p.first_name, p.last_name, p.email,
                                                                  p.company_name)), '[^\pL\pN]+')) AS t(token)
    WHERE t.token <> ''
    UNION ALL
    SELECT DISTINCT t.token, 't' AS kind, p.id AS person_id
    FROM {people} p, unnest(regexp_split_to_array(lower(p.job_title), '[^\pL\pN]+')) AS t(token)
    WHERE p.job_title IS NOT NULL AND t.token <> ''"""

_SLICE = 50_000   # people whose words one statement of `refresh_search_index_from` splits

# The people being refreshed, read first: DuckDB does not push `id IN (subquery)` below the unnest, so
# filtering after it split the words of all people (8 s at a million people for a ledger commit of 20).
_CHOSEN = """WITH chosen AS MATERIALIZED (
    SELECT id, first_name, last_name, email, company_name, job_title FROM people
    WHERE id IN (SELECT unnest($ids::BIGINT[])))
"""


def refresh_search_index(con, person_ids: Sequence[int] | None = None) -> None:
    """Re-read the words of these people (all people when None) inside the caller's transaction.

    After a partial refresh the index is marked current only if it was before, as far as a cheap check
    can tell: people are the indexed ones plus the new ids given here. People written by hand (SQL)
    in between keep search on the exact scan until a full refresh."""
    if person_ids is not None and person_ids:
        state = con.execute("SELECT people_count, max_person_id FROM person_search_index_state").fetchall()
        ids = sorted({int(i) for i in person_ids})
        if state:
            count, top = state[0]
            added = sum(1 for i in ids if top is None or i > top)
            actual = con.execute("SELECT count(*), max(id) FROM people").fetchall()[0]
            expected_top = max([i for i in ids] + ([top] if top is not None else []))
            if actual[0] != count + added or actual[1] != expected_top:
                state = []
        if not state:   # not current before: refresh these words, leave the index marked stale
            _refresh_words(con, ids)
            return
    if person_ids is None:
        con.execute("DELETE FROM person_search_tokens")
        con.execute(f"INSERT INTO person_search_tokens SELECT token, kind, person_id FROM ({_TOKENS_OF.format(people='people')}) "
                    "ORDER BY token, person_id")
    elif person_ids:
        _refresh_words(con, sorted({int(i) for i in person_ids}))
    con.execute("INSERT OR REPLACE INTO person_search_index_state "
                "SELECT 1, count(*), max(id), max(updated_at) FROM people")


def _refresh_words(con, ids: list[int]) -> None:
    con.execute("DELETE FROM person_search_tokens WHERE person_id IN (SELECT unnest(?::BIGINT[]))", [ids])
    con.execute(f"INSERT INTO person_search_tokens {_CHOSEN} SELECT token, kind, person_id "
                f"FROM ({_TOKENS_OF.format(people='chosen')})", {"ids": ids})


def refresh_search_index_from(con, select_ids: str) -> None:
    """`refresh_search_index` for the ids a query selects (one column), which never become a Python
    list: an import of a million people held them three times over (the rows fetched, the set, the
    query's parameter), some 300 MB. The same words and the same state as the list form (no ids:
    nothing to do)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE search_refresh_ids AS SELECT DISTINCT id FROM ({select_ids}) AS s(id) "
                "WHERE id IS NOT NULL")
    state = con.execute("SELECT people_count, max_person_id FROM person_search_index_state").fetchall()
    given, top_given = con.execute("SELECT count(*), max(id) FROM search_refresh_ids").fetchone()
    if not given:
        return
    if state:
        count, top = state[0]
        added = con.execute("SELECT count(*) FROM search_refresh_ids WHERE ?::BIGINT IS NULL OR id > ?",
                            [top, top]).fetchone()[0]
        actual = con.execute("SELECT count(*), max(id) FROM people").fetchone()
        expected_top = top_given if top is None else max(top_given, top)
        if actual[0] != count + added or actual[1] != expected_top:
            state = []
    con.execute("DELETE FROM person_search_tokens WHERE person_id IN (SELECT id FROM search_refresh_ids)")
    # In slices of ids, so the words being split and deduplicated are a slice's, not an import's.
    starts = [r[0] for r in con.execute(
        f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM search_refresh_ids) "
        f"WHERE n % {_SLICE} = 1 ORDER BY id").fetchall()]
    for lo, hi in zip(starts, [*starts[1:], top_given + 1]):
        con.execute(f"""INSERT INTO person_search_tokens WITH chosen AS MATERIALIZED (
            SELECT id, first_name, last_name, email, company_name, job_title FROM people
            WHERE id >= $lo AND id < $hi AND id IN (SELECT id FROM search_refresh_ids WHERE id >= $lo AND id < $hi))
            SELECT token, kind, person_id FROM ({_TOKENS_OF.format(people='chosen')})""", {"lo": lo, "hi": hi})
    con.execute("DROP TABLE search_refresh_ids")
    if state:   # current before: current again
        con.execute("INSERT OR REPLACE INTO person_search_index_state "
                    "SELECT 1, count(*), max(id), max(updated_at) FROM people")


def index_is_current(con) -> bool:
    """Whether people are in the state the index was last refreshed for (one cheap aggregate)."""
    row = con.execute(
        """SELECT s.people_count = p.n AND s.max_person_id IS NOT DISTINCT FROM p.top
                  AND s.max_updated_at IS NOT DISTINCT FROM p.changed
           FROM person_search_index_state s,
                (SELECT count(*) AS n, max(id) AS top, max(updated_at) AS changed FROM people) p""").fetchall()
    return bool(row and row[0][0])


def text_match_sql(con, needle: str) -> str | list[int] | None:
    """Every person whose free text matches `needle` (stripped and lower-cased) exactly as search's scan
    would: a query of person_id on the index, or (when the index only narrows it down to candidates)
    the matching people's ids, newest first (`rechecked`); None when the index cannot answer it: scan."""
    if not needle.isascii() or not _RUN.search(needle):
        return None
    variants = title_search_variants(needle)
    if _RUN.fullmatch(needle):
        parts = [_prefix("n", needle)]
        single = [v for v in variants if _RUN.fullmatch(v)]
        phrases = [v for v in variants if not _RUN.fullmatch(v)]
        if single:
            parts.append("SELECT person_id FROM person_search_tokens WHERE kind = 't' AND token IN "
                         f"({', '.join(_quote(v) for v in single)})")
        if phrases:
            phrase_ids = rechecked_ids(con, " UNION ".join(f"({_all_words('t', _RUN.findall(v))})" for v in phrases),
                                       needle)
            if phrase_ids is None:
                return None
            if phrase_ids:
                parts.append(ids_query(phrase_ids))
        return " UNION ".join(parts)
    candidates = [f"({_all_words(None, words)})"
                  for words in [_RUN.findall(needle)] + [_RUN.findall(v) for v in variants] if words]
    return rechecked(con, " UNION ".join(candidates), needle)


MAX_RECHECKED = 5000


# The columns of a search page's rows read from stg_people (the page adds headcount and the score).
PAGE_ROW_COLUMNS = ("person_id", "full_name", "email", "email_status", "job_title", "seniority", "company_name",
                    "company_domain", "vertical", "location", "country", "linkedin_url", "enrichment_status")


# The lower-cased text columns person_matches reads, in its order (DuckDB's lower(), as the scan's).
LOWERED_TEXT = ("lower(first_name) AS _f, lower(last_name) AS _l, lower(email) AS _e, lower(company_name) AS _c, "
                "lower(full_name) AS _n, lower(job_title) AS _t")
LOWERED_COLUMNS = ("_f", "_l", "_e", "_c", "_n", "_t")


def rechecked(con, candidates_sql: str, needle: str, limit: int = MAX_RECHECKED) -> list[int] | None:
    """The ids of the candidates (a query of person_id) whose text really matches `needle`, checked in
    Python on their lower-cased columns (domain/text_match.py), newest first; None when there are more
    than `limit` candidates. Only the text columns are read: the page reads its own rows."""
    found = con.execute(f"SELECT person_id FROM ({candidates_sql}) LIMIT {limit + 1}").fetchall()
    if len(found) > limit:
        return None
    ids = [r[0] for r in found]

    def read(missing: list[int]) -> list[tuple]:
        return con.execute(f"SELECT person_id, {LOWERED_TEXT} FROM stg_people "
                           f"WHERE person_id IN ({_literal(missing)})").fetchall()

    cache = kept(con, "lowered_text", RowCache)   # on the app server's copy: rows read before are kept
    rows = cache.rows(ids, read) if cache is not None else {r[0]: r for r in read(ids)}
    return [i for i in sorted(rows, reverse=True) if person_matches(needle, *rows[i][1:])]


def rechecked_ids(con, candidates_sql: str, needle: str, limit: int = MAX_RECHECKED) -> list[int] | None:
    """The ids of `rechecked`, ascending."""
    ids = rechecked(con, candidates_sql, needle, limit)
    return None if ids is None else sorted(ids)


def ids_query(ids: list[int]) -> str:
    """A query of these ids (person_id), for `rechecked_ids`."""
    return f"SELECT unnest([{', '.join(str(int(i)) for i in ids)}]::BIGINT[]) AS person_id"


def _literal(ids: list[int]) -> str:
    """Ids read from the store, as SQL integer literals (DuckDB looks literal ids up in the primary key
    instead of scanning people); an empty list matches nothing."""
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def _quote(word: str) -> str:
    """An index word as a SQL string literal: only [a-z0-9] or the upper-bound character, so exact."""
    if not _RUN.fullmatch(word.removesuffix(_TOP)):
        raise ValueError(f"not a word of the index: {word!r}")
    return f"'{word}'"


def _prefix(kind: str | None, word: str) -> str:
    kind_sql = f"kind = '{kind}' AND " if kind in ("n", "t") else ""
    return (f"SELECT person_id FROM person_search_tokens WHERE {kind_sql}token >= {_quote(word)} "
            f"AND token < {_quote(word + _TOP)}")


def _all_words(kind: str | None, words: list[str]) -> str:
    """People holding every one of `words` as a word prefix."""
    return " INTERSECT ".join(_prefix(kind, w) for w in dict.fromkeys(words))


def nearest_words(con, needle: str, limit: int = 3) -> list[str]:
    """Name, email and company words one typo away from `needle` (a letter added, dropped, changed or
    two swapped), the most common first: what a search that found nothing probably meant."""
    if not _RUN.fullmatch(needle) or len(needle) < 3:
        return []
    rows = con.execute(
        """SELECT token FROM person_search_tokens
           WHERE kind = 'n' AND token >= ? AND token < ? AND length(token) BETWEEN ? AND ?
             AND damerau_levenshtein(token, ?) = 1
           GROUP BY token ORDER BY count(*) DESC, token LIMIT ?""",
        [needle[0], needle[0] + _TOP, len(needle) - 1, len(needle) + 1, needle, limit]).fetchall()
    return [r[0] for r in rows]
