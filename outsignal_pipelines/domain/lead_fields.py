"""The fields a lead file can carry and the header names common exports use for them
(Clay, Apollo, Sales Navigator, EmailBison, hand-made spreadsheets)."""

from __future__ import annotations

import re

PERSON_FIELDS = (
    "email", "first_name", "last_name", "job_title", "company_name", "company_domain",
    "linkedin_url", "phone", "location", "country", "vertical",
)
COMPANY_FIELDS = ("industry", "headcount", "website", "company_linkedin_url", "company_location")

_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "work email", "email address", "business email", "person email", "contact email",
              "corporate email", "primary email", "e mail", "email 1", "work email address", "emails"),
    "first_name": ("first name", "firstname", "given name", "first", "person first name"),
    "last_name": ("last name", "lastname", "surname", "family name", "last", "person last name"),
    "full_name": ("name", "full name", "fullname", "person name", "contact name", "lead name"),
    "job_title": ("title", "job title", "position", "jobtitle", "current title", "role", "current job title",
                  "person title"),
    "company_name": ("company", "company name", "organization", "organisation", "organization name",
                     "account name", "current company", "company name for emails", "employer"),
    "company_domain": ("company domain", "domain", "website domain", "company website domain",
                       "organization domain", "email domain"),
    "website": ("website", "company website", "company url", "website url", "organization website",
                "company website url"),
    "linkedin_url": ("linkedin", "linkedin url", "linkedin profile", "person linkedin url",
                     "linkedin profile url", "profile url", "linkedin link", "li url", "person linkedin"),
    "company_linkedin_url": ("company linkedin url", "company linkedin", "organization linkedin url"),
    "phone": ("phone", "mobile", "mobile phone", "work direct phone", "phone number", "corporate phone",
              "direct phone", "telephone", "work phone", "phone 1"),
    "location": ("location", "person location", "geography", "region", "address", "lead location"),
    "city": ("city", "person city"),
    "state": ("state", "person state", "province"),
    "country": ("country", "person country", "company country"),
    "industry": ("industry", "company industry", "vertical", "sector"),
    "headcount": ("employees", "employee count", "headcount", "company size", "company headcount",
                  "number of employees", "employees count", "size"),
}

_LOOKUP = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}


def header_key(header: str) -> str:
    text = header.replace("\ufeff", "").strip().lower()
    text = text.replace("#", "number of ")
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return re.sub(r"\s+", " ", text).strip().replace("number of employees", "employees")


def map_headers(headers: list[str]) -> dict[str, int]:
    """field → column index; the first column that maps to a field wins."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = _LOOKUP.get(header_key(header))
        if field and field not in mapping:
            mapping[field] = index
    return mapping
