"""Industry text (LinkedIn, Apollo, vendor categories, free text) → one of the 23 verticals, by exact
match, then synonyms, then fuzzy matching (rapidfuzz). Below the threshold the answer is None, never
a guess: the LLM fallback may try, and its answer is checked against the vocabulary too."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process

from outsignal_pipelines.domain.vocabulary import VERTICALS, canonical_vertical

SYNONYMS: dict[str, str] = {
    # finance
    "fintech": "Accounting & Finance", "financial services": "Accounting & Finance", "banking": "Accounting & Finance",
    "accounting": "Accounting & Finance", "payments": "Accounting & Finance", "investment banking": "Accounting & Finance",
    "capital markets": "Accounting & Finance", "venture capital": "Accounting & Finance", "finance": "Accounting & Finance",
    # software
    "computer software": "B2B SaaS", "software development": "B2B SaaS", "saas": "B2B SaaS", "software": "B2B SaaS",
    "internet": "B2B SaaS", "enterprise software": "B2B SaaS",
    "information technology and services": "Managed Services & IT", "it services and it consulting": "Managed Services & IT",
    "it services": "Managed Services & IT", "computer and network security": "Managed Services & IT",
    "managed services": "Managed Services & IT", "cybersecurity": "Managed Services & IT",
    # construction and property
    "construction": "Architecture & Construction", "architecture & planning": "Architecture & Construction",
    "architecture and planning": "Architecture & Construction", "civil engineering": "Architecture & Construction",
    "building materials": "Architecture & Construction", "real estate": "Real Estate", "property": "Real Estate",
    "commercial real estate": "Real Estate",
    # people
    "staffing and recruiting": "Staffing & Recruitment", "staffing & recruiting": "Staffing & Recruitment",
    "recruitment agency": "Staffing & Recruitment", "recruiting": "Staffing & Recruitment",
    "human resources": "HR & Recruitment", "human resources services": "HR & Recruitment", "hr": "HR & Recruitment",
    # other sectors
    "hospital & health care": "Healthcare & Life Sciences", "hospitals and health care": "Healthcare & Life Sciences",
    "pharmaceuticals": "Healthcare & Life Sciences", "biotechnology": "Healthcare & Life Sciences",
    "medical devices": "Healthcare & Life Sciences", "healthcare": "Healthcare & Life Sciences",
    "retail": "E-Commerce & Retail", "e-commerce": "E-Commerce & Retail", "ecommerce": "E-Commerce & Retail",
    "consumer goods": "E-Commerce & Retail", "marketing and advertising": "Marketing & Advertising",
    "advertising services": "Marketing & Advertising", "marketing": "Marketing & Advertising",
    "public relations and communications": "Marketing & Advertising", "branded merchandise": "Marketing & Advertising",
    "logistics and supply chain": "Logistics & Supply Chain", "transportation/trucking/railroad": "Logistics & Supply Chain",
    "freight": "Logistics & Supply Chain", "warehousing": "Logistics & Supply Chain",
    "law practice": "Legal Services", "legal services": "Legal Services", "legal": "Legal Services",
    "management consulting": "Professional Services", "consulting": "Professional Services",
    "business consulting and services": "Business Services", "outsourcing/offshoring": "Business Services",
    "mergers and acquisitions": "Business Acquisitions", "private equity": "Business Acquisitions",
    "telecommunications": "Telecoms", "wireless": "Telecoms", "oil & energy": "Energy & Utilities",
    "renewables & environment": "Energy & Utilities", "utilities": "Energy & Utilities",
    "hospitality": "Travel & Hospitality", "leisure, travel & tourism": "Travel & Hospitality",
    "restaurants": "Travel & Hospitality", "e-learning": "Education & Training", "higher education": "Education & Training",
    "education management": "Education & Training", "media production": "Media & Entertainment",
    "entertainment": "Media & Entertainment", "broadcast media": "Media & Entertainment",
    "industrial machinery manufacturing": "Manufacturing", "machinery": "Manufacturing",
    "electrical/electronic manufacturing": "Manufacturing", "insurance": "Insurance", "insurtech": "Insurance",
}
_CHOICES = {**{v.casefold(): v for v in VERTICALS}, **SYNONYMS}
FUZZY_THRESHOLD = 88


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().casefold())


@lru_cache(maxsize=8192)
def vertical_for_industry(text: str | None) -> tuple[str | None, str]:
    """(vertical or None, how it was decided: exact | synonym | fuzzy | none)."""
    if not text or not text.strip():
        return None, "none"
    exact = canonical_vertical(text)
    if exact:
        return exact, "exact"
    key = _key(text)
    if key in SYNONYMS:
        return SYNONYMS[key], "synonym"
    match = process.extractOne(key, list(_CHOICES), scorer=fuzz.token_set_ratio, score_cutoff=FUZZY_THRESHOLD)
    if match:
        return _CHOICES[match[0]], "fuzzy"
    return None, "none"


# ------------------------------------------------------------------ verticals named in a search sentence

# Short words people type in a search, kept out of SYNONYMS on purpose: as fuzzy choices for vendor labels
# they would over-match (a "Media Relations" firm is PR, not Media & Entertainment), and a bare
# "recruitment" label normalises to HR & Recruitment while someone searching for it means agencies.
_SEARCH_ONLY: dict[str, str] = {
    "logistics": "Logistics & Supply Chain", "supply chain": "Logistics & Supply Chain",
    "recruitment": "Staffing & Recruitment", "staffing": "Staffing & Recruitment",
    "architecture": "Architecture & Construction", "telecom": "Telecoms", "travel": "Travel & Hospitality",
    "media": "Media & Entertainment", "education": "Education & Training", "energy": "Energy & Utilities",
}
SEARCH_WORDS: dict[str, str] = {**{v.casefold(): v for v in VERTICALS}, **SYNONYMS, **_SEARCH_ONLY}


def verticals_in(text: str) -> list[str]:
    """The verticals a sentence names, longest phrase first, each once. Words of two letters ("it", "hr")
    are left out: in a sentence they are more often pronouns and typos than industries."""
    low = text.lower()
    found: list[str] = []
    for phrase, vertical in sorted(SEARCH_WORDS.items(), key=lambda kv: -len(kv[0])):
        if len(phrase) > 2 and vertical not in found and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", low):
            found.append(vertical)
    return found
