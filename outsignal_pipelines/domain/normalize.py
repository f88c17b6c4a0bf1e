"""Normalisers for the fields leads arrive with. Pure functions: text in, canonical text out.

Each returns None for an empty value and raises InvalidValue when a value is present but cannot be
made valid, so callers can tell "missing" from "wrong" and say which field was wrong.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import idna
import phonenumbers
import pycountry

from outsignal_pipelines.domain.untrusted_text import is_spreadsheet_formula  # noqa: F401  (its home is untrusted_text)


class InvalidValue(ValueError):
    """A present value that cannot be normalised; the message says why, for a rejects file."""


_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


def clean_text(value: object) -> str | None:
    """Trim, drop control and zero-width characters, collapse whitespace; None when nothing is left."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value))
    text = _CONTROL.sub("", text)
    text = _WS.sub(" ", text).strip()
    return text or None


# ---------------------------------------------------------------- domains and emails

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Lower-case letters, digits and single inner hyphens only: IDNA (UTS 46) gives such a host back as it
# is, so it skips idna.encode (~70 µs a host). Anything else, xn-- labels included, goes through idna.
_PLAIN_HOST = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*$")


def normalize_domain(value: object) -> str | None:
    """'https://WWW.Acme.io/about?x' → 'acme.io'; IDNs are stored in their ASCII (punycode) form."""
    text = clean_text(value)
    if text is None:
        return None
    text = text.strip().strip("/").lower()
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = "http://" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError as exc:
        raise InvalidValue(f"not a domain: {value!r}") from exc
    host = host.strip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host or "." not in host:
        raise InvalidValue(f"not a domain: {value!r}")
    if _PLAIN_HOST.match(host):
        ascii_host = host
    else:
        try:
            ascii_host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidValue(f"not a domain: {value!r}") from exc
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise InvalidValue(f"not a domain: {value!r}")
    return ascii_host


# An email's domain part repeats across a lead file (everyone at one company): same answer, remembered.
_email_host = lru_cache(maxsize=16_384)(normalize_domain)

_LOCAL_PART = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def normalize_email(value: object) -> str | None:
    """Lower-cased, trimmed address with a real-looking domain; 'mailto:' and '<...>' wrappers removed."""
    text = clean_text(value)
    if text is None:
        return None
    text = text.lower()
    if text.startswith("mailto:"):
        text = text[7:]
    text = text.strip("<> ")
    if text.count("@") != 1:
        raise InvalidValue(f"not an email address: {value!r}")
    local, domain_part = text.split("@")
    if not local or len(local) > 64 or not _LOCAL_PART.match(local):
        raise InvalidValue(f"not an email address: {value!r}")
    try:
        domain = _email_host(domain_part)
    except InvalidValue as exc:
        raise InvalidValue(f"not an email address: {value!r}") from exc
    if domain is None or domain_part.startswith(("http", "www.")):
        raise InvalidValue(f"not an email address: {value!r}")
    return f"{local}@{domain}"


PERSONAL_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "hotmail.co.uk",
        "outlook.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com",
        "proton.me", "protonmail.com", "gmx.com", "gmx.de", "web.de", "mail.com", "yandex.ru",
        "qq.com", "163.com", "126.com", "zoho.com",
    }
)


def email_domain(email: str | None) -> str | None:
    return email.rsplit("@", 1)[1] if email and "@" in email else None


def is_personal_email(email: str | None) -> bool:
    return email_domain(email) in PERSONAL_EMAIL_DOMAINS


# ---------------------------------------------------------------- LinkedIn

_LINKEDIN_HOST = re.compile(r"^([a-z]{2,3}\.|www\.|m\.)?linkedin\.com$")
# The plain shape most exports use ('https://www.linkedin.com/in/jane-doe-123/'): the slug read straight
# off, as urlsplit would read it (no port, query, fragment or escapes; ASCII only, so case folds alike).
_PLAIN_LINKEDIN = re.compile(r"^(?:https?://)?(?:[a-z]{2,3}\.|www\.|m\.)?linkedin\.com/(in|company)/([a-z0-9_-]+)/?$",
                             re.ASCII | re.IGNORECASE)


def _linkedin_slug(value: object, kind: str) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    plain = _PLAIN_LINKEDIN.match(text)
    if plain and plain.group(1).lower() == kind:
        return plain.group(2).lower()
    raw = text if "://" in text else "https://" + text.lstrip("/")
    try:
        parts = urlsplit(raw)
    except ValueError as exc:
        raise InvalidValue(f"not a LinkedIn URL: {value!r}") from exc
    host = (parts.hostname or "").lower()
    if not _LINKEDIN_HOST.match(host):
        raise InvalidValue(f"not a LinkedIn URL: {value!r}")
    segments = [s for s in parts.path.split("/") if s]
    what = "profile" if kind == "in" else kind
    if len(segments) < 2 or segments[0].lower() != kind:
        raise InvalidValue(f"not a LinkedIn {what} URL: {value!r}")
    slug = unquote(segments[1]).strip().lower()
    if not slug or any(c in slug for c in " /?#<>\"'"):
        raise InvalidValue(f"not a LinkedIn {what} URL: {value!r}")
    return slug


def normalize_linkedin_url(value: object) -> str | None:
    """Any profile URL variant → 'https://www.linkedin.com/in/<slug>' (country subdomains, tracking
    parameters, trailing slashes and case removed)."""
    slug = _linkedin_slug(value, "in")
    return f"https://www.linkedin.com/in/{slug}" if slug else None


def normalize_linkedin_company_url(value: object) -> str | None:
    slug = _linkedin_slug(value, "company")
    return f"https://www.linkedin.com/company/{slug}" if slug else None


# ---------------------------------------------------------------- names

_NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "bin", "al"}


def _title_word(word: str, first: bool) -> str:
    if not first and word in _NAME_PARTICLES:
        return word
    out = []
    for piece in re.split(r"([-'’])", word):
        if piece in {"-", "'", "’"}:
            out.append(piece)
        elif piece:
            if piece.startswith("mc") and len(piece) > 2:
                out.append("Mc" + piece[2:].capitalize())
            else:
                out.append(piece.capitalize())
    return "".join(out)


def normalize_person_name(value: object) -> str | None:
    """Whitespace collapsed; ALL CAPS or all lower-case names title-cased ("o'neil" → "O'Neil"),
    mixed case kept as the person wrote it ("McDonald", "DeShawn")."""
    text = clean_text(value)
    if text is None:
        return None
    letters = [c for c in text if c.isalpha()]
    if letters and (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        cased = [c for c in letters if c.upper() != c.lower()]
        if cased:  # scripts without case (CJK) are left alone
            words = text.lower().split(" ")
            text = " ".join(_title_word(w, i == 0) for i, w in enumerate(words))
    return text


_LEGAL_SUFFIX = re.compile(
    r"[\s,]+(inc|incorporated|corp|corporation|co|company|llc|l\.l\.c|ltd|limited|plc|gmbh|ag|sa|s\.a|"
    r"s\.a\. de c\.v|sa de cv|sas|sarl|srl|s\.r\.l|bv|b\.v|nv|n\.v|ab|as|a/s|oy|oyj|pty|pty ltd|pvt|pvt ltd|"
    r"private limited|kk|k\.k|lp|llp|spa|s\.p\.a)\.?$",
    re.I,
)


def normalize_company_name(value: object) -> str | None:
    """'ACME FINTECH LTD' → 'Acme Fintech', 'QuantPay, Inc.' → 'QuantPay'. Short all-caps names
    (IBM, SAP) stay as acronyms."""
    text = clean_text(value)
    if text is None:
        return None
    previous = None
    while previous != text:
        previous = text
        text = _LEGAL_SUFFIX.sub("", text).strip(" ,")
    if not text:
        text = previous or ""
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters if c.upper() != c.lower()) and len(letters) > 4:
        text = " ".join(_title_word(w, True) for w in text.lower().split(" "))
    return text or None


# ---------------------------------------------------------------- countries and phones

_COUNTRY_ALIASES = {
    "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "united kingdom": "GB",
    "usa": "US", "u.s.a.": "US", "us": "US", "u.s.": "US", "america": "US", "united states of america": "US",
    "uae": "AE", "russia": "RU", "south korea": "KR", "korea": "KR", "czech republic": "CZ",
    "holland": "NL", "the netherlands": "NL", "vietnam": "VN", "iran": "IR", "taiwan": "TW",
    "deutschland": "DE", "españa": "ES", "méxico": "MX", "brasil": "BR", "schweiz": "CH", "suisse": "CH",
    "österreich": "AT", "italia": "IT", "sverige": "SE", "norge": "NO", "danmark": "DK", "suomi": "FI",
    "中国": "CN", "日本": "JP",
}

_US_STATES = {
    "al", "ak", "az", "ar", "ca", "co", "ct", "de", "fl", "ga", "hi", "id", "il", "in", "ia", "ks", "ky",
    "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny", "nc", "nd",
    "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv", "wi", "wy", "dc",
}

_CITY_COUNTRY = {
    "london": "GB", "manchester": "GB", "leeds": "GB", "birmingham": "GB", "bristol": "GB", "cardiff": "GB",
    "edinburgh": "GB", "glasgow": "GB", "liverpool": "GB", "new york": "US", "san francisco": "US",
    "los angeles": "US", "chicago": "US", "boston": "US", "austin": "US", "seattle": "US", "miami": "US",
    "toronto": "CA", "vancouver": "CA", "montreal": "CA", "dublin": "IE", "paris": "FR", "berlin": "DE",
    "munich": "DE", "münchen": "DE", "hamburg": "DE", "amsterdam": "NL", "stockholm": "SE", "oslo": "NO",
    "copenhagen": "DK", "helsinki": "FI", "madrid": "ES", "barcelona": "ES", "lisbon": "PT", "milan": "IT",
    "rome": "IT", "zurich": "CH", "vienna": "AT", "warsaw": "PL", "sydney": "AU", "melbourne": "AU",
    "singapore": "SG", "dubai": "AE", "bengaluru": "IN", "bangalore": "IN", "mumbai": "IN", "delhi": "IN",
    "beijing": "CN", "shanghai": "CN", "tokyo": "JP", "ciudad de méxico": "MX", "mexico city": "MX",
    "são paulo": "BR", "sao paulo": "BR", "cape town": "ZA", "johannesburg": "ZA", "tel aviv": "IL",
}


@lru_cache(maxsize=4096)
def normalize_country(value: str | None) -> str | None:
    """A country name, alias or ISO code → ISO 3166-1 alpha-2 ('United Kingdom', 'UK', 'GBR' → 'GB')."""
    text = clean_text(value)
    if text is None:
        return None
    key = text.casefold().strip(". ")
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    if len(key) == 2 and key.isalpha():
        found = pycountry.countries.get(alpha_2=key.upper())
        return found.alpha_2 if found else None
    if len(key) == 3 and key.isalpha():
        found = pycountry.countries.get(alpha_3=key.upper())
        if found:
            return found.alpha_2
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        pass
    for country in pycountry.countries:
        names = {country.name.casefold(), getattr(country, "common_name", "").casefold(),
                 getattr(country, "official_name", "").casefold()}
        if key in names:
            return country.alpha_2
    return None


def country_from_location(location: str | None) -> str | None:
    """Best-effort country of a free-text location: 'London, UK' → 'GB', 'San Francisco, CA' → 'US'."""
    text = clean_text(location)
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    for part in reversed(parts):
        low = part.casefold()
        if len(parts) > 1 and low in _US_STATES and part.isupper():
            return "US"
        country = normalize_country(part)
        if country:
            return country
        if low in _CITY_COUNTRY:
            return _CITY_COUNTRY[low]
    return None


def normalize_phone(value: object, default_region: str | None = None) -> str | None:
    """E.164 ('+442079460958') when the number parses and is possible; None otherwise."""
    text = clean_text(value)
    if text is None:
        return None
    if not any(ch.isdigit() for ch in text) or len(text) > 40:
        raise InvalidValue(f"not a phone number: {value!r}")
    try:
        parsed = phonenumbers.parse(text, default_region if not text.startswith("+") else None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"not a phone number: {value!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidValue(f"not a phone number: {value!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
