"""Job titles → a canonical title and one of the 8 seniority levels, by rules. What the rules cannot
settle comes back as Unknown, for the LLM fallback (scoring.llm) to try."""

from __future__ import annotations

import re

from outsignal_pipelines.domain.normalize import clean_text
from outsignal_pipelines.domain.vocabulary import seniority_from_title

_ACRONYMS = {"ceo", "cto", "cfo", "coo", "cmo", "cpo", "cio", "cro", "cso", "cdo", "vp", "svp", "evp", "avp",
             "hr", "it", "ux", "ui", "qa", "pr", "seo", "b2b", "saas", "emea", "apac", "uk", "us", "ai", "ml",
             "gm", "md", "rd", "r&d", "ppc", "crm", "erp", "dei", "esg", "bdr", "sdr"}
_SMALL = {"of", "and", "the", "for", "in", "to", "at", "a", "an", "de", "la", "des", "du", "y"}
# An abbreviation ends where the word does, with or without its dot, before a space, a comma or a
# slash ("Sr. Mgr, Ops" is a Senior Manager, Operations), never inside a longer word ("Srinivasan").
_END = r"\b\.?(?!\w)"
_ABBREVIATIONS = [(re.compile(pattern, re.I), replacement) for pattern, replacement in (
    (rf"\b(sr|snr){_END}", "Senior"), (rf"\bjr{_END}", "Junior"),
    (rf"\b(mgr|mngr){_END}", "Manager"), (rf"\bdir{_END}", "Director"),
    (rf"\bexec{_END}", "Executive"), (rf"\bassoc{_END}", "Associate"),
    (rf"\bvice[- ]pres{_END}", "VP"), (r"\bvice[- ]president\b", "VP"),
    (r"\bhd of\b", "Head of"), (rf"\beng{_END}", "Engineering"),
    (rf"\bmktg{_END}", "Marketing"), (rf"\bops{_END}", "Operations"), (rf"\bmgmt{_END}", "Management"),
    (rf"\bdept{_END}", "Department"), (rf"\bcoord{_END}", "Coordinator"), (rf"\bacct{_END}", "Account"),
    (rf"\bint'?l{_END}", "International"), (rf"\b(biz|bus)\.? dev{_END}", "Business Development"),
)]
# Titles in other languages that a rule can translate outright.
_TRANSLATIONS = {
    "首席技术官": "Chief Technology Officer", "首席执行官": "Chief Executive Officer", "首席财务官": "Chief Financial Officer",
    "geschäftsführer": "Managing Director", "geschäftsführerin": "Managing Director",
    "directeur général": "Chief Executive Officer", "directrice générale": "Chief Executive Officer",
    "director de tecnología": "Director of Technology", "directora de tecnología": "Director of Technology",
    "director general": "Chief Executive Officer", "directeur technique": "Chief Technology Officer",
    "gerente de marketing": "Marketing Manager", "responsable marketing": "Marketing Manager",
    "leiter vertrieb": "Head of Sales", "vertriebsleiter": "Head of Sales", "amministratore delegato": "Chief Executive Officer",
}


def _case_word(word: str, first: bool) -> str:
    bare = word.strip("(),.:;/").lower()
    if bare in _ACRONYMS:
        return word.upper()
    if bare in _SMALL and not first:
        return word.lower()
    if any(c.isupper() for c in word[1:]) and not word.isupper():
        return word  # deliberate mixed case: "DevOps", "iOS"
    return word[:1].upper() + word[1:].lower()


def canonical_title(title: str | None) -> str | None:
    """'vp of engineering' → 'VP of Engineering', 'Sr. Software Engineer' → 'Senior Software Engineer',
    'MARKETING MGR' → 'Marketing Manager', '首席技术官' → 'Chief Technology Officer'."""
    text = clean_text(title)
    if text is None:
        return None
    translated = _TRANSLATIONS.get(text.casefold())
    if translated:
        return translated
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    words = text.split(" ")
    if all(ord(c) < 0x3000 for c in text):
        words = [_case_word(w, i == 0) for i, w in enumerate(words)]
    return " ".join(words)


def normalise_title(title: str | None) -> tuple[str | None, str]:
    """(canonical title, seniority). Seniority reads the original too, so non-English rules still apply."""
    canonical = canonical_title(title)
    level = seniority_from_title(canonical)
    if level == "Unknown":
        level = seniority_from_title(title)
    return canonical, level


# ------------------------------------------------------------------ roles named in a search sentence

# "find CTOs": the title fragments a role abbreviation stands for, so a search matches either spelling.
ROLE_TITLES: dict[str, list[str]] = {
    "cto": ["cto", "chief technology"], "ceo": ["ceo", "chief executive"], "cfo": ["cfo", "chief financial"],
    "cmo": ["cmo", "chief marketing"], "coo": ["coo", "chief operating"], "cio": ["cio", "chief information"],
    "cpo": ["cpo", "chief product", "chief people"], "cro": ["cro", "chief revenue"],
    "founder": ["founder"], "owner": ["owner"],
}
# "find directors": plural and spoken forms of a seniority level. Unlike a job title, "executives" in a
# search means the C-suite.
SENIORITY_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(vps?|vice[- ]presidents?)\b"), "VP"), (re.compile(r"\bdirectors?\b"), "Director"),
    (re.compile(r"\bmanagers?\b"), "Manager"), (re.compile(r"\b(c-suite|c-level|executives)\b"), "C-Suite"),
)


def role_titles_in(text: str) -> list[str]:
    """Title fragments a sentence asks for: role abbreviations and "head(s) of <function>"."""
    low = text.lower()
    titles: list[str] = []
    for role, words in ROLE_TITLES.items():
        if re.search(rf"\b{role}s?\b", low):
            titles += words
    head = re.search(r"\bheads? of ([a-z&]+)", low)
    if head:
        titles.append(f"head of {head.group(1)}")
    return titles


def seniorities_in(text: str) -> list[str]:
    """The seniority levels a sentence names ("VPs and directors" -> VP, Director)."""
    low = text.lower()
    return [level for pattern, level in SENIORITY_WORDS if pattern.search(low)]


# ------------------------------------------------------------------ title search on words

# Abbreviations a title search treats as the words they stand for, both ways: "cto" finds "Chief
# Technology Officer" and "chief technology officer" finds "CTO".
TITLE_ABBREVIATIONS: dict[str, str] = {
    "ceo": "chief executive officer", "cto": "chief technology officer", "cfo": "chief financial officer",
    "coo": "chief operating officer", "cmo": "chief marketing officer", "cio": "chief information officer",
    "cpo": "chief product officer", "cro": "chief revenue officer", "cso": "chief security officer",
    "cdo": "chief data officer", "vp": "vice president", "svp": "senior vice president",
    "evp": "executive vice president", "md": "managing director", "gm": "general manager",
    "sr": "senior", "snr": "senior", "jr": "junior", "mgr": "manager", "dir": "director", "ops": "operations",
    "eng": "engineering", "mktg": "marketing", "hr": "human resources", "bd": "business development",
    "exec": "executive", "assoc": "associate", "mgmt": "management",
}
_MAX_VARIANTS = 16


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:[&'][^\W_]+)*", text.lower())


def title_search_variants(text: str | None) -> list[str]:
    """The word sequences a title search for `text` matches: the words as typed, each abbreviation
    written out and each written-out phrase abbreviated ("cto" → ["cto", "chief technology officer"])."""
    words = _words(text or "")
    if not words:
        return []
    variants = [words]
    for short, long in TITLE_ABBREVIATIONS.items():
        long_words = long.split()
        for variant in list(variants):
            for i in range(len(variant)):
                if variant[i] == short:
                    variants.append(variant[:i] + long_words + variant[i + 1:])
                if variant[i:i + len(long_words)] == long_words:
                    variants.append(variant[:i] + [short] + variant[i + len(long_words):])
    unique = list(dict.fromkeys(" ".join(v) for v in variants))
    return unique[:_MAX_VARIANTS]


# Patterns below are RE2 (DuckDB's regexp_matches), for lower-cased text: \pL and \pN are any letter and digit.
_NOT_WORD = r"[^\pL\pN]"


def title_word_pattern(terms: list[str]) -> str | None:
    """A regular expression (RE2, for a lower-cased title) matching any of the terms as whole words, each
    with its abbreviations; words may be separated by any punctuation ("vp sales" finds "VP, Sales").
    Never a match inside a word: "cto" does not find "Director" or "Contractor"."""
    phrases: list[str] = []
    for term in terms:
        for variant in title_search_variants(term):
            phrases.append(f"{_NOT_WORD}+".join(re.escape(w) for w in variant.split()))
    if not phrases:
        return None
    return f"(^|{_NOT_WORD})({'|'.join(dict.fromkeys(phrases))})({_NOT_WORD}|$)"


def title_prefilter_words(terms: list[str]) -> list[str]:
    """For each variant of the terms, its longest word: a title that matches contains one of these as
    plain text, so a cheap substring scan can skip most rows before the regular expression runs."""
    words = [max(variant.split(), key=len) for term in terms for variant in title_search_variants(term)]
    return list(dict.fromkeys(words))


def word_prefix_pattern(text: str) -> str:
    """A regular expression (RE2, for lower-cased text) matching `text` at the start of a word (names, companies, emails keep
    prefix matching: "smi" finds "Smith" and "Jo Smith", never "Blacksmith")."""
    return f"(^|{_NOT_WORD}){re.escape(text.lower())}"
