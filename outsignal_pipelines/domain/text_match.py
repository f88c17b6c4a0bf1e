"""Free-text matching of one person in Python, exactly as search's SQL does it (operations/search.py
`_text_clause`): a word prefix of the first name, last name, email or company (and of the full name when
the text has a space), or whole words of the title with their abbreviations.

Search re-checks the few candidates its word index finds with this instead of SQL: DuckDB compiles
each Unicode regular expression ([^\\pL\\pN]) for every query (~5 ms each, six per search), while
here each pattern is compiled once per process. The `regex` module reads the same RE2 patterns
(\\pL, \\pN) with the same meaning; values are lower-cased by DuckDB before they get here, so case
folding is DuckDB's too."""

from __future__ import annotations

from functools import lru_cache

import regex

from outsignal_pipelines.domain.titles import title_word_pattern, word_prefix_pattern


@lru_cache(maxsize=256)
def _patterns(needle: str) -> tuple[regex.Pattern, regex.Pattern | None]:
    title = title_word_pattern([needle])
    return regex.compile(word_prefix_pattern(needle)), (regex.compile(title) if title is not None else None)


def person_matches(needle: str, first: str | None, last: str | None, email: str | None, company: str | None,
                   full_name: str | None, title: str | None) -> bool:
    """`needle` stripped and lower-cased; every value already lower-cased (by DuckDB's lower())."""
    prefix, title_pattern = _patterns(needle)
    values = [first, last, email, company] + ([full_name] if " " in needle else [])
    if any(v is not None and prefix.search(v) for v in values):
        return True
    return title_pattern is not None and title is not None and title_pattern.search(title) is not None
