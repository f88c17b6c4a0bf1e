"""The controlled vocabularies every lead is normalised onto (from the first system, §3.4)."""

from __future__ import annotations

import re

VERTICALS: tuple[str, ...] = (
    "Accounting & Finance",
    "Architecture & Construction",
    "B2B SaaS",
    "Business Acquisitions",
    "Business Services",
    "E-Commerce & Retail",
    "Education & Training",
    "Energy & Utilities",
    "Healthcare & Life Sciences",
    "HR & Recruitment",
    "Insurance",
    "Legal Services",
    "Logistics & Supply Chain",
    "Managed Services & IT",
    "Manufacturing",
    "Marketing & Advertising",
    "Media & Entertainment",
    "Professional Services",
    "Real Estate",
    "Staffing & Recruitment",
    "Telecoms",
    "Travel & Hospitality",
    "Other",
)

SENIORITIES: tuple[str, ...] = (
    "C-Suite",
    "VP",
    "Director",
    "Manager",
    "Senior IC",
    "IC",
    "Entry Level",
    "Unknown",
)

EMAIL_STATUSES: tuple[str, ...] = ("valid", "catch_all", "risky", "invalid", "unknown")

# Ordered: the first pattern that matches decides. Word boundaries keep "director" out of "co-director"? No:
# a co-director is a director. They keep "cto" out of "doctor" and "vp" out of "mvp".
_SENIORITY_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("C-Suite", re.compile(
        r"\b(ceo|cto|cfo|coo|cmo|cpo|cio|cro|cso|cdo|chief|founder|co-?founder|owner|(?<!vice )(?<!vice-)president|managing director|"
        r"partner|geschäftsführer|directeur général|director general|director ejecutivo|pdg|"
        r"首席|总裁|社長)\b|首席|总裁", re.I)),
    ("VP", re.compile(r"\b(vp|svp|evp|avp|vice[- ]president|vicepresidente|vice-président)\b", re.I)),
    ("Director", re.compile(r"\b(director|directeur|directora?|direktor|leiter|head of|head,|global head)\b|总监", re.I)),
    ("Manager", re.compile(r"\b(manager|gerente|responsable|lead manager|supervisor|team lead|teamleiter)\b|经理", re.I)),
    ("Senior IC", re.compile(r"\b(senior|sr\.?|lead|principal|staff|architect)\b", re.I)),
    ("Entry Level", re.compile(r"\b(junior|jr\.?|intern|internship|trainee|graduate|apprentice|entry|assistant|praktikant)\b", re.I)),
    ("IC", re.compile(r"\b(engineer|developer|analyst|specialist|consultant|designer|recruiter|accountant|"
                      r"executive|representative|associate|coordinator|officer|scientist|advisor|adviser)\b", re.I)),
)


def seniority_from_title(title: str | None) -> str:
    """The seniority level a job title implies; 'Unknown' when no rule settles it."""
    if not title or not title.strip():
        return "Unknown"
    text = title.strip()
    for level, pattern in _SENIORITY_RULES:
        if pattern.search(text):
            return level
    return "Unknown"


def canonical_vertical(text: str | None) -> str | None:
    """Exact (case-insensitive) match onto the vocabulary; fuzzy matching lives in scoring."""
    if not text:
        return None
    wanted = text.strip().casefold()
    for vertical in VERTICALS:
        if vertical.casefold() == wanted:
            return vertical
    return None
