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
from typing import Any

from outsignal_pipelines.domain.titles import title_search_variants

_TOP = "\U0010ffff"   # above every character: [word, word + _TOP) holds exactly the words starting with `word`
_RUN = re.compile(r"[a-z0-9]+")

_TOKENS_OF = r"""
    SELECT DISTINCT t.token, 'n' AS kind, p.id AS person_id
    FROM people p, unnest(regexp_split_to_array(lower(concat_ws(' ', p.first_name, p.last_name, p.email,
                                                                p.company_name)), '[^\pL\pN]+')) AS t(token)
    WHERE t.token <> '' {only}
    UNION ALL
    SELECT DISTINCT t.token, 't' AS kind, p.id AS person_id
    FROM people p, unnest(regexp_split_to_array(lower(p.job_title), '[^\pL\pN]+')) AS t(token)
    WHERE p.job_title IS NOT NULL AND t.token <> '' {only}"""


def refresh_search_index(con, person_ids: Sequence[int] | None = None) -> None:
    """Re-read the words of these people (all people when None) inside the caller's transaction."""
    if person_ids is None:
        con.execute("DELETE FROM person_search_tokens")
        con.execute(f"INSERT INTO person_search_tokens SELECT token, kind, person_id FROM ({_TOKENS_OF.format(only='')}) "
                    "ORDER BY token, person_id")
    elif person_ids:
        ids = sorted({int(i) for i in person_ids})
        con.execute("DELETE FROM person_search_tokens WHERE person_id IN (SELECT unnest(?::BIGINT[]))", [ids])
        only = "AND p.id IN (SELECT unnest($ids::BIGINT[]))"
        con.execute(f"INSERT INTO person_search_tokens SELECT token, kind, person_id FROM ({_TOKENS_OF.format(only=only)})",
                    {"ids": ids})
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


def _prefix(kind: str | None, word: str) -> tuple[str, list[Any]]:
    kind_sql = "kind = ? AND " if kind else ""
    return (f"SELECT person_id FROM person_search_tokens WHERE {kind_sql}token >= ? AND token < ?",
            ([kind] if kind else []) + [word, word + _TOP])


def _all_words(kind: str | None, words: list[str]) -> tuple[str, list[Any]]:
    """People holding every one of `words` as a word prefix."""
    parts, params = [], []
    for word in dict.fromkeys(words):
        sql, p = _prefix(kind, word)
        parts.append(sql)
        params += p
    return " INTERSECT ".join(parts), params


def text_match_sql(con, needle: str, exact_text_clause: tuple[str, list[Any]],
                   exact_title_clause: tuple[str, list[Any]]) -> tuple[str, list[Any]] | None:
    """SQL selecting the person_id of every person whose free text matches `needle` (stripped and
    lower-cased), exactly as `exact_text_clause` (over stg_people p) would; None when the index cannot
    answer it and the caller should scan. `exact_title_clause` is the title part alone (over people p
    with job_title)."""
    if not needle.isascii() or not _RUN.search(needle):
        return None
    variants = title_search_variants(needle)
    if _RUN.fullmatch(needle):
        parts, params = [], []
        sql, p = _prefix("n", needle)
        parts.append(sql)
        params += p
        single = [v for v in variants if _RUN.fullmatch(v)]
        phrases = [v for v in variants if not _RUN.fullmatch(v)]
        if single:
            parts.append("SELECT person_id FROM person_search_tokens WHERE kind = 't' AND token IN "
                         f"({', '.join('?' for _ in single)})")
            params += single
        if phrases:
            candidates, cand_params = [], []
            for phrase in phrases:
                sql, p = _all_words("t", _RUN.findall(phrase))
                candidates.append(f"({sql})")
                cand_params += p
            title_sql, title_params = exact_title_clause
            parts.append(f"""SELECT p.id FROM (SELECT id, job_title FROM people
                               WHERE id IN ({_ids(con, ' UNION '.join(candidates), cand_params)})) p
                             WHERE {title_sql}""")
            params += title_params
        return " UNION ".join(parts), params
    candidates, params = [], []
    for words in [_RUN.findall(needle)] + [_RUN.findall(v) for v in variants]:
        if words:
            sql, p = _all_words(None, words)
            candidates.append(f"({sql})")
            params += p
    text_sql, text_params = exact_text_clause
    # Few candidates are written in as literal ids: DuckDB looks them up in the primary key and the
    # regular expressions read only those rows.
    return (f"""SELECT p.person_id FROM stg_people p
                WHERE p.person_id IN ({_ids(con, ' UNION '.join(candidates), params)}) AND {text_sql}""", text_params)


MAX_LITERAL_IDS = 5000


def _ids(con, sql: str, params: list[Any]) -> str:
    """The candidates as literal ids when there are few (DuckDB then looks them up in the primary key
    instead of scanning people); else the query itself, inlined as a subquery with its parameters."""
    found = con.execute(f"SELECT person_id FROM ({sql}) LIMIT {MAX_LITERAL_IDS + 1}", params).fetchall()
    if len(found) > MAX_LITERAL_IDS:
        return _inline(sql, params)
    return ", ".join(str(int(r[0])) for r in found) or "NULL"


def _inline(sql: str, params: list[Any]) -> str:
    """`sql` with its parameters written in as SQL string literals: they are only ever index words
    ([a-z0-9]+, maybe with the upper-bound character) or a kind, so quoting them is exact."""
    out = sql
    for value in params:
        text = str(value)
        if not re.fullmatch(f"[a-z0-9]+{_TOP}?|[nt]", text):
            raise ValueError(f"not a word of the index: {text!r}")
        out = out.replace("?", f"'{text}'", 1)
    return out


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
