"""The import's fast paths give exactly what the full normalisers give: plain hosts skip idna, plain
LinkedIn URLs skip urlsplit, and the formula pre-check reads the first character from a set. Each is
checked against the same code with the fast path switched off, on a large corpus of messy values
(the benchmark generator's shapes, unicode look-alikes, punycode, ports, escapes, formula-leading
cells, empty and huge values): the same value, or the same refusal with the same message."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from outsignal_pipelines.domain import normalize as norm
from outsignal_pipelines.domain.lead_fields import map_headers
from outsignal_pipelines.operations import imports
from tests.generated_leads import generated_leads

NEVER = re.compile(r"(?!)")

SCHEMES = ["", "http://", "https://", "HTTPS://", "Http://", "//", "ftp://", " https://", "https:/", "mailto:"]
SUBDOMAINS = ["", "www.", "WWW.", "uk.", "m.", "de.", "abcd.", "xx.yy.", "www.www.", "Www."]
CORES = ["linkedin", "LinkedIn", "LINKEDIN", "acme", "acme-co", "acme--co", "a-b-c", "-acme", "acme-", "a", "123",
         "xn--bcher-kva", "xn--bcher", "xn--", "ab--cd", "münchen", "bücher", "straße", "ß", "ıstanbul", "İzmir",
         "\u212aelvin", "\u017fhop", "ａｃｍｅ", "acme_co", "ac me", "acme\u200b", "ac\tme", "linked\u0131n", "a" * 63,
         "a" * 64, "b" * 250, "😀", "é", "e\u0301", "ǅ", "ﬁne", "Ⅻ", "0", "-", "_"]
TLDS = ["", ".com", ".io", ".co.uk", ".COM", ".123", ".", "..com", ".c0m", ".xn--p1ai", ".рф", ".com.", ".ai",
        ".a", ".co-uk", ".co--uk", ".-co"]
PORTS = ["", ":443", ":abc", ":", ":99999"]
PATHS = ["", "/", "/in/jane-doe", "/in/Jane_Doe-123/", "/IN/jane", "/In/jane/", "/company/acme", "/Company/Acme-Inc/",
         "/COMPANY/x", "/in/", "/in//jane", "/in/jane%20doe", "/in/j%C3%A9r%C3%B4me", "/in/jane?trk=abc",
         "/in/jane#x", "/in/jane/details", "/pub/jane", "/in/jane doe", "/in/ɑlice", "/in/jane'", "/in/ja\u212ae",
         "/in/\u017fam", "/in/jane//", "/in/jane/?x", "/in/-", "/in/_", "/in/" + "x" * 300, "/about", "/about?x=1",
         "/company/", "/school/x", "/in/%2F", "/in/j%41ne", "/in/jane\\x"]
LOCALS = ["jane", "Jane.Doe", "j+tag", "-j", "j..d", "", "ʝ", "a" * 65, "a" * 64, "jane.", ".jane", "ja ne", "\"j\"",
          "j@k", "o'brien", "ZOË", "=cmd", "+1", "@x"]
LEADING = ["", " ", "  ", "=", "+", "-", "@", "\t", "\u200b", "\ufeff", "'", "<", "\u00a0"]
TRAILING = ["", " ", ">", "/", ".", "\u200b", "\n", "  x"]


def _corpus(size: int, seed: int = 19) -> list[str]:
    rng = random.Random(seed)
    values = {"", " ", "=", "@", "x" * 5_000, "linkedin.com/in/" + "a" * 3_000, "a." * 200 + "com"}
    # Every host shape once, then random URLs, websites, LinkedIn URLs and emails built of the pieces.
    for sub, core, tld in itertools.product(SUBDOMAINS, CORES, TLDS):
        values.add(f"{sub}{core}{tld}")
    for _ in range(size // 8):   # the shapes exports use, which take the fast path
        slug = "".join(rng.choice("abcXYZ019-_") for _ in range(rng.randint(1, 30)))
        values.add(rng.choice(["", "http://", "https://", "HTTPS://"]) + rng.choice(["", "www.", "uk.", "m.", "WWW."])
                   + rng.choice(["linkedin", "LinkedIn", "linkedin", "L\u0131nkedIn", "linked\u0130n"]) + ".com/"
                   + rng.choice(["in", "company", "IN", "Company", "\u0131n"])
                   + "/" + slug + rng.choice(["", "/"]))
    while len(values) < size:
        host = rng.choice(SUBDOMAINS) + rng.choice(CORES) + rng.choice(TLDS)
        kind = rng.random()
        if kind < 0.45:
            value = rng.choice(SCHEMES) + host + rng.choice(PORTS) + rng.choice(PATHS)
        elif kind < 0.65:
            value = rng.choice(SCHEMES) + rng.choice(SUBDOMAINS) + rng.choice(["linkedin", "LinkedIn"]) + ".com" \
                + rng.choice(PATHS)
        elif kind < 0.9:
            value = rng.choice(["", "mailto:", "<", "MAILTO:"]) + rng.choice(LOCALS) + rng.choice(["@", "@@", ""]) \
                + host
        else:
            value = "".join(rng.choice("aZ9-._/:@%?#=+ \u00e9\u0131\u212a\u017f") for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.5:   # half as given, half with something around it
            value = rng.choice(LEADING) + value + rng.choice(TRAILING)
        values.add(value)
    return sorted(values)


def _answers(fn, values: list[str]) -> list:
    out = []
    for value in values:
        try:
            out.append(("ok", fn(value)))
        except norm.InvalidValue as exc:
            out.append(("refused", str(exc)))
    return out


def _forget_remembered() -> None:
    norm._email_host.cache_clear()
    for memo in vars(imports).values():
        if isinstance(memo, imports._Memo):
            memo.seen.clear()


def _without_fast_paths(monkeypatch) -> None:
    monkeypatch.setattr(norm, "_PLAIN_HOST", NEVER)
    monkeypatch.setattr(norm, "_PLAIN_LINKEDIN", NEVER)
    monkeypatch.setattr(imports, "_starts_plain", lambda value: value[:1].isascii() and value[:1].isalnum())
    _forget_remembered()


@pytest.mark.slow
def test_fast_paths_give_the_full_normalisers_answers_on_a_messy_corpus(monkeypatch):
    values = _corpus(25_000)
    fns = {"domain": norm.normalize_domain, "email": norm.normalize_email,
           "linkedin": norm.normalize_linkedin_url, "company linkedin": norm.normalize_linkedin_company_url}
    _forget_remembered()
    fast = {name: _answers(fn, values) for name, fn in fns.items()}
    with monkeypatch.context() as patched:
        _without_fast_paths(patched)
        full = {name: _answers(fn, values) for name, fn in fns.items()}
    _forget_remembered()
    for name in fns:
        differ = [(v, a, b) for v, a, b in zip(values, fast[name], full[name]) if a != b]
        assert not differ, f"{name}: {len(differ)} values differ, e.g. {differ[:3]}"
    # The corpus reaches both paths and both outcomes of each normaliser.
    for name in fns:
        assert {kind for kind, _ in fast[name]} == {"ok", "refused"}, name
    plain = [norm.clean_text(v) or "" for v in values]
    assert sum(1 for v in plain if norm._PLAIN_LINKEDIN.match(v)) > 1_000
    assert sum(1 for v in plain if norm._PLAIN_HOST.match(v.lower())) > 1_000


def test_the_first_character_check_is_the_one_it_replaced():
    for code in itertools.chain(range(0, 0x3000), range(0xFE00, 0x10000), [0x1D7CE, 0x1F600, 0xE0041]):
        char = chr(code)
        for value in (char, char + "x", ""):
            assert imports._starts_plain(value) == (value[:1].isascii() and value[:1].isalnum()), repr(value)


@pytest.mark.slow
def test_rows_normalise_alike_with_and_without_the_fast_paths(tmp_path, monkeypatch):
    """Whole rows of the benchmark's generated export plus nasty rows, as the import normalises them."""
    path = generated_leads(tmp_path / "generated.csv", 4_000, seed=5)
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    rng = random.Random(3)
    nasty = _corpus(3_000, seed=23)
    for _ in range(3_000):   # generated rows with messy values dropped into the URL, email and website cells
        row = list(rng.choice(rows))
        for column in rng.sample([2, 5, 6, 4, 0], rng.randint(1, 3)):
            row[column] = rng.choice(nasty)
        rows.append(row)
    mapping = map_headers(header)

    def normalised() -> list:
        out = []
        for row in rows:
            try:
                out.append(("ok", imports._normalise_row(row, header, mapping)))
            except norm.InvalidValue as exc:
                out.append(("refused", str(exc)))
        return out

    _forget_remembered()
    fast = normalised()
    with monkeypatch.context() as patched:
        _without_fast_paths(patched)
        full = normalised()
    _forget_remembered()
    differ = [(row, a, b) for row, a, b in zip(rows, fast, full) if a != b]
    assert not differ, f"{len(differ)} rows differ, e.g. {differ[:2]}"
    assert sum(kind == "refused" for kind, _ in fast) > 100 and sum(kind == "ok" for kind, _ in fast) > 4_000
