"""Seniority rules feed ICP scoring; titles in several languages and spellings must land on the
right level, and anything unclear must say Unknown rather than guess."""

from __future__ import annotations

import pytest

from outsignal_pipelines.domain.vocabulary import SENIORITIES, VERTICALS, canonical_vertical, seniority_from_title


def test_vocabularies_have_the_documented_sizes():
    assert len(VERTICALS) == 23 and len(set(VERTICALS)) == 23
    assert SENIORITIES == ("C-Suite", "VP", "Director", "Manager", "Senior IC", "IC", "Entry Level", "Unknown")


@pytest.mark.parametrize("title, level", [
    ("CTO", "C-Suite"), ("Chief Technology Officer", "C-Suite"), ("Founder & CEO", "C-Suite"),
    ("Managing Director", "C-Suite"), ("首席技术官", "C-Suite"), ("Geschäftsführer", "C-Suite"),
    ("vp of engineering", "VP"), ("SVP Sales", "VP"), ("Vice President, Marketing", "VP"),
    ("Director of Sales", "Director"), ("Head of Data", "Director"), ("Director de Tecnología", "Director"),
    ("Talent Acquisition Manager", "Manager"), ("Sr. Software Engineer", "Senior IC"),
    ("Principal Architect", "Senior IC"), ("Software Engineer", "IC"), ("Intern", "Entry Level"),
    ("Junior Developer", "Entry Level"), ("Doctor", "Unknown"), ("MVP hunter", "Unknown"), ("", "Unknown"),
    (None, "Unknown"),
])
def test_seniority_from_title(title, level):
    assert seniority_from_title(title) == level


def test_canonical_vertical_is_exact_and_case_insensitive():
    assert canonical_vertical("b2b saas") == "B2B SaaS"
    assert canonical_vertical("fintech") is None
