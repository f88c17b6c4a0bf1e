"""Rule normalisers settle most titles and industries for free; what they cannot settle must come
back empty (Unknown / None), never as a guess."""

from __future__ import annotations

import pytest

from outsignal_pipelines.domain.industries import vertical_for_industry
from outsignal_pipelines.domain.titles import canonical_title, normalise_title


@pytest.mark.parametrize("raw, title, level", [
    ("vp of engineering", "VP of Engineering", "VP"),                 # messy case
    ("Sr. Software Engineer", "Senior Software Engineer", "Senior IC"),  # abbreviation
    ("MARKETING MGR", "Marketing Manager", "Manager"),                # all caps + abbreviation
    ("Head of People", "Head of People", "Director"),
    ("cto", "CTO", "C-Suite"),                                        # acronym
    ("DevOps Lead", "DevOps Lead", "Senior IC"),                      # deliberate mixed case kept
    ("首席技术官", "Chief Technology Officer", "C-Suite"),              # Chinese
    ("Geschäftsführer", "Managing Director", "C-Suite"),              # German
    ("Director de Tecnología", "Director of Technology", "Director"),  # Spanish
    ("Vice President, Sales", "VP, Sales", "VP"),
    ("Jr. Analyst", "Junior Analyst", "Entry Level"),
    ("Wizard of Light Bulb Moments", "Wizard of Light Bulb Moments", "Unknown"),  # rules cannot settle
    ("Robert'); DROP TABLE people;--", "Robert'); Drop Table People;--", "Unknown"),  # hostile: plain text
    # Abbreviations followed by a comma or a slash, not only a space: was "Senior Mgr, Operations" / Senior IC.
    ("Sr. Mgr, Ops", "Senior Manager, Operations", "Manager"),
    ("Sr Dir, Eng", "Senior Director, Engineering", "Director"),      # was Senior IC
    ("Mgr, IT", "Manager, IT", "Manager"),                            # was Unknown
    ("Dir./Ops", "Director/Operations", "Director"),
    ("Snr Acct Exec", "Senior Account Executive", "Senior IC"),
    ("Biz Dev Mgr", "Business Development Manager", "Manager"),
    ("Srinivasan", "Srinivasan", "Unknown"),                          # an abbreviation never inside a word
])
def test_normalise_title(raw, title, level):
    assert normalise_title(raw) == (title, level)


def test_empty_titles():
    assert canonical_title("  ") is None and normalise_title(None) == (None, "Unknown")


@pytest.mark.parametrize("raw, vertical, how", [
    ("B2B SaaS", "B2B SaaS", "exact"), ("b2b saas", "B2B SaaS", "exact"),
    ("Fintech", "Accounting & Finance", "synonym"), ("Computer Software", "B2B SaaS", "synonym"),
    ("Staffing and Recruiting", "Staffing & Recruitment", "synonym"),
    ("Hospital & Health Care", "Healthcare & Life Sciences", "synonym"),
    ("Financial Services Industry", "Accounting & Finance", "fuzzy"),
    ("Information Technology & Services", "Managed Services & IT", "fuzzy"),
    ("Widgets", None, "none"), ("", None, "none"), ("'; DROP TABLE companies;--", None, "none"),
])
def test_vertical_for_industry(raw, vertical, how):
    assert vertical_for_industry(raw) == (vertical, how)


@pytest.mark.parametrize("text, variants", [
    ("CTO", ["cto", "chief technology officer"]),                        # an abbreviation written out
    ("Chief Technology Officer", ["chief technology officer", "cto"]),   # and a phrase abbreviated
    ("VP, Sales", ["vp sales", "vice president sales"]),                 # punctuation is not a word
    ("'; --", []),                                                       # nothing to search for
])
def test_title_search_variants(text, variants):
    from outsignal_pipelines.domain.titles import title_search_variants

    assert title_search_variants(text) == variants
