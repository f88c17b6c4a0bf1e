"""The sandbox's synthetic world: who exists, which email they have, how it verifies. Every answer is
a pure function of the question (a stable hash), so the same person always gets the same answer from
the same vendor, and different vendors agree on a person's email when they both know it."""

from __future__ import annotations

import hashlib
import re

_DOMAINS = ["acme-labs.example", "northpay.example", "brightledger.example", "cedarbuild.example",
            "novahealth.example", "atlaslogistics.example", "quartzmedia.example", "summitlegal.example"]
_TITLES = ["Chief Technology Officer", "VP Engineering", "Head of Marketing", "Director of Operations",
           "Finance Director", "HR Manager", "Senior Software Engineer", "Account Executive"]
_INDUSTRIES = ["B2B SaaS", "Accounting & Finance", "Marketing & Advertising", "Manufacturing",
               "Logistics & Supply Chain", "Professional Services", "Healthcare & Life Sciences"]


def roll(*parts: object) -> float:
    """A stable number in [0, 1) for the given question."""
    digest = hashlib.sha256("|".join(str(p).lower() for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def pick(options: list[str], *parts: object) -> str:
    return options[int(roll("pick", *parts) * len(options))]


def _slug_name(slug: str) -> tuple[str, str]:
    words = [w for w in re.split(r"[-_.]+", slug) if w.isalpha()]
    if len(words) >= 2:
        return words[0].capitalize(), words[1].capitalize()
    if words:
        return words[0].capitalize(), "Smith"
    return "Alex", "Morgan"


def linkedin_slug(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].lower()


def person_from_linkedin(url: str) -> dict:
    slug = linkedin_slug(url)
    first, last = _slug_name(slug)
    domain = pick(_DOMAINS, "domain", slug)
    # Digits in a slug (jane-doe-42) tell namesakes apart, so they keep distinct addresses.
    suffix = "".join(re.findall(r"\d+", slug))
    return {"first_name": first, "last_name": last, "domain": domain, "company": domain.split(".")[0].title(),
            "title": pick(_TITLES, "title", slug), "linkedin": f"https://www.linkedin.com/in/{slug}",
            "suffix": suffix}


def email_for(first: str, last: str, domain: str, suffix: str = "") -> str:
    local = re.sub(r"[^a-z0-9]", "", first.lower()) + "." + re.sub(r"[^a-z0-9]", "", last.lower()) + suffix
    return f"{local.strip('.') or 'contact'}@{domain.lower()}"


def hit(vendor: str, key: str, rate: float) -> bool:
    return roll(vendor, "hit", key) < rate


VERIFY_DISTRIBUTION = (("valid", 0.70), ("catch_all", 0.12), ("invalid", 0.09), ("risky", 0.04), ("unknown", 0.05))


def verification(email: str) -> str:
    """The truth about an address, the same for every verifier."""
    r = roll("verify", email)
    total = 0.0
    for status, share in VERIFY_DISTRIBUTION:
        total += share
        if r < total:
            return status
    return "unknown"


def company(domain: str) -> dict:
    return {"name": domain.split(".")[0].replace("-", " ").title(), "industry": pick(_INDUSTRIES, "ind", domain),
            "headcount": 5 + int(roll("hc", domain) * 2000), "founded": 1980 + int(roll("yr", domain) * 44),
            "description": f"{domain.split('.')[0].replace('-', ' ').title()} helps teams work better."}
