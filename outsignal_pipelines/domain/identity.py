"""Who is who: the keys that say two lead rows are the same person (email, else LinkedIn URL, else
name + company domain)."""

from __future__ import annotations

import unicodedata


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace())


def name_key(first: str | None, last: str | None, domain: str | None) -> str | None:
    """'jane|doe|acme.io' — accent, case and space insensitive; None without both names and a domain."""
    if not first or not last or not domain:
        return None
    return f"{_fold(first)}|{_fold(last)}|{domain}"
