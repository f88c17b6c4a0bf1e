"""Normalisers decide identity (email, domain, LinkedIn) and so dedup; a wrong answer here means
paying twice for one person or merging two people. Clean, messy, hostile and non-English input."""

from __future__ import annotations

import pytest

from outsignal_pipelines.domain import normalize as n

HOSTILE = [
    "Robert'); DROP TABLE people;--",
    "<script>alert(1)</script>",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "a" * 10_000,
    "${jndi:ldap://x}",
]


@pytest.mark.parametrize("raw, expected", [
    ("jane@acme.io", "jane@acme.io"),                       # clean
    ("  JANE.DOE@Acme-Fintech.io ", "jane.doe@acme-fintech.io"),  # case + whitespace
    ("mailto:Bob@Example.COM", "bob@example.com"),          # mailto: prefix
    ("<sam@x.co.uk>", "sam@x.co.uk"),                        # angle brackets
    ("zoë@münchen.de".replace("zoë", "zoe"), "zoe@xn--mnchen-3ya.de"),  # IDN domain → punycode
    ("first+tag@gmail.com", "first+tag@gmail.com"),         # plus addressing kept
    ("", None), ("   ", None), (None, None),                # empty
])
def test_normalize_email(raw, expected):
    assert n.normalize_email(raw) == expected


@pytest.mark.parametrize("raw", [
    "alice@@broken", "no-at-sign", "x@localhost", "@acme.io", "a b@acme.io", "jane@acme..io",
    "jane@-acme.io", "jane@http://acme.io", *HOSTILE,
])
def test_invalid_emails_are_refused_with_the_value_in_the_message(raw):
    with pytest.raises(n.InvalidValue, match="not an email address"):
        n.normalize_email(raw)


@pytest.mark.parametrize("raw, expected", [
    ("acme.io", "acme.io"),
    ("https://www.acme-fintech.io/about", "acme-fintech.io"),   # scheme, www, path
    ("WWW.NORDIC-LEDGER.SE", "nordic-ledger.se"),               # case
    ("http://Acme.io:8080/x?y=1#z", "acme.io"),                 # port, query, fragment
    ("acme.io.", "acme.io"),                                    # trailing dot
    ("münchen.de", "xn--mnchen-3ya.de"),                        # IDN
    ("jane@acme.io", "acme.io"),                                # an email given as domain
    ("", None), (None, None),
])
def test_normalize_domain(raw, expected):
    assert n.normalize_domain(raw) == expected


@pytest.mark.parametrize("raw", ["http://", "localhost", "1.2.3.4", "acme", "-acme-.io", *HOSTILE])
def test_invalid_domains_are_refused(raw):
    with pytest.raises(n.InvalidValue):
        n.normalize_domain(raw)


@pytest.mark.parametrize("raw, expected", [
    ("https://www.linkedin.com/in/janedoe", "https://www.linkedin.com/in/janedoe"),
    ("https://uk.linkedin.com/in/janedoe?trk=public_profile", "https://www.linkedin.com/in/janedoe"),
    ("linkedin.com/in/JaneDoe/", "https://www.linkedin.com/in/janedoe"),
    ("http://m.linkedin.com/in/jane-doe-123/detail/", "https://www.linkedin.com/in/jane-doe-123"),
    ("www.linkedin.com/in/jos%C3%A9-garc%C3%ADa", "https://www.linkedin.com/in/josé-garcía"),
    ("", None),
])
def test_normalize_linkedin_url(raw, expected):
    assert n.normalize_linkedin_url(raw) == expected


@pytest.mark.parametrize("raw", [
    "https://evil.example/in/janedoe",              # not LinkedIn
    "https://www.linkedin.com/company/acme",        # a company, not a person
    "https://linkedin.com.evil.example/in/x",       # look-alike host
    "https://www.linkedin.com/in/",                 # no slug
    *HOSTILE,
])
def test_non_profile_linkedin_urls_are_refused(raw):
    with pytest.raises(n.InvalidValue):
        n.normalize_linkedin_url(raw)


def test_company_linkedin_urls_have_their_own_canonical_form():
    assert n.normalize_linkedin_company_url("uk.linkedin.com/company/Acme-Ltd/about") == \
        "https://www.linkedin.com/company/acme-ltd"


@pytest.mark.parametrize("raw, expected", [
    ("Jane", "Jane"), ("JANE", "Jane"), ("jane", "Jane"),
    ("o'neil", "O'Neil"), ("jean-luc", "Jean-Luc"), ("mcdonald", "McDonald"),
    ("McDonald", "McDonald"), ("DeShawn", "DeShawn"),           # mixed case kept
    ("ZOË", "Zoë"), ("van der berg", "Van der Berg"),
    ("  Ana   María ", "Ana María"), ("李", "李"), ("", None),
    ("Robert'); DROP TABLE people;--", "Robert'); DROP TABLE people;--"),  # stored as plain text
])
def test_normalize_person_name(raw, expected):
    assert n.normalize_person_name(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("ACME FINTECH LTD", "Acme Fintech"), ("QuantPay, Inc.", "QuantPay"), ("Widgets Inc.", "Widgets"),
    ("PagosYa S.A. de C.V.", "PagosYa"), ("Nordic Ledger AB", "Nordic Ledger"), ("Siemens AG", "Siemens"),
    ("IBM", "IBM"), ("中国银行", "中国银行"), ("Ltd", "Ltd"), ("  Acme   Corp ", "Acme"), ("", None),
])
def test_normalize_company_name(raw, expected):
    assert n.normalize_company_name(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("United Kingdom", "GB"), ("UK", "GB"), ("gbr", "GB"), ("England", "GB"), ("USA", "US"),
    ("Deutschland", "DE"), ("Ireland", "IE"), ("in", "IN"), ("Narnia", None), ("", None),
])
def test_normalize_country(raw, expected):
    assert n.normalize_country(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("London, UK", "GB"), ("San Francisco, CA", "US"), ("New York", "US"), ("Bengaluru, India", "IN"),
    ("Ciudad de México", "MX"), ("Paris, France", "FR"), ("Somewhere", None), (None, None),
])
def test_country_from_location(raw, expected):
    assert n.country_from_location(raw) == expected


@pytest.mark.parametrize("raw, region, expected", [
    ("+44 20 7946 0958", None, "+442079460958"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("(415) 555-0134", "US", "+14155550134"),
    ("+1 (415) 555-0134", "GB", "+14155550134"),   # explicit country code wins over the region
    ("", None, None),
])
def test_normalize_phone(raw, region, expected):
    assert n.normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["not a phone", "123", "+44", "020 7946 0958 ext", *HOSTILE[:2]])
def test_unusable_phones_are_refused(raw):
    with pytest.raises(n.InvalidValue):
        n.normalize_phone(raw, None)


# The spreadsheet-formula rule lives in domain/untrusted_text.py (tests/domain/test_untrusted_text.py).


def test_clean_text_strips_control_and_zero_width_characters():
    assert n.clean_text("  Ja\u200bne\x00\tDoe \n") == "Jane Doe"


@pytest.mark.parametrize("fn", [n.normalize_email, n.normalize_domain, n.normalize_linkedin_url,
                                n.normalize_person_name, n.normalize_company_name])
def test_values_of_only_control_characters_count_as_empty(fn):
    assert fn("\x00\x01\u200b ") is None
