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


# ------------------------------------------------------------------ after the send (sandbox EmailBison)
#
# What happens to an email once EmailBison sends it, decided by the world alone (a stable hash of the
# question), so a test can drive a campaign through days and predict nothing it could not also read
# back from the sandbox's own record of what it emitted.
#
# - Bounces depend on the address's truth (`verification`, whatever a vendor claimed) and on staleness:
#   LeadMagic's finder data is stale for STALE_SHARE of the people it finds by name: it returns an old
#   address format ({first initial}{last}@domain) that its own check still calls valid, and half of
#   those bounce. So the finder that found an address matters: LeadMagic bounces clearly the most.
# - Replies and interest rise with the lead's true fit. For a demo client (CLIENT_MARKETS) that is its
#   real market: the lead's industry, words in the title, and a little seniority; the agency's ICP rules
#   approximate it, so a higher rule score means a higher true fit on average. For any other EmailBison
#   workspace: how senior the title reads (chief/founder/owner highest, then VP/head, director, manager,
#   senior, everyone else; intern/student lowest) times how responsive the industry is.
# - Meetings are booked by half of the interested leads; a few who never reply unsubscribe.

STALE_SHARE = 0.35
_SENIORITY_FIT = (
    (("intern", "student", "assistant", "trainee"), 0.05),
    (("chief", "ceo", "cto", "cfo", "coo", "cmo", "cio", "founder", "owner", "president", "managing director",
      "partner"), 1.0),
    (("vp", "vice president", "head of"), 0.8),
    (("director",), 0.7),
    (("manager", "lead"), 0.4),
    (("senior", "principal"), 0.3),
)
_BOUNCE_BY_TRUTH = {"valid": 0.02, "catch_all": 0.15, "risky": 0.25, "unknown": 0.2, "invalid": 0.9}
STALE_BOUNCE = 0.5
OPEN_RATE = 0.55
MEETING_SHARE = 0.5
UNSUBSCRIBE_SHARE = 0.02


def stale_email_for(first: str, last: str, domain: str) -> str:
    """The out-of-date address format a stale finder returns."""
    initial = re.sub(r"[^a-z0-9]", "", first.lower())[:1]
    return f"{initial}{re.sub(r'[^a-z0-9]', '', last.lower()) or 'contact'}@{domain.lower()}"


def finder_is_stale(vendor: str, key: str) -> bool:
    return roll(vendor, "stale", key) < STALE_SHARE


def is_stale(email: str) -> bool:
    """An address in the old format (no dot between first and last name): half of them bounce."""
    local = email.split("@", 1)[0]
    return "." not in local and local != "contact"


def bounce_probability(email: str) -> float:
    return STALE_BOUNCE if is_stale(email) else _BOUNCE_BY_TRUTH.get(verification(email), 0.2)


def seniority_fit(title: str | None) -> float:
    text = f" {re.sub(r'[^a-z0-9]+', ' ', (title or '').lower())} "
    for words, fit in _SENIORITY_FIT:
        if any(f" {w} " in text for w in words):
            return fit
    return 0.15


def industry_appetite(industry: str | None) -> float:
    """How readily an industry answers cold email: 0.6–1.0, fixed per industry."""
    return 0.6 + 0.4 * roll("appetite", industry) if industry else 0.6


# The buyers who really answer each demo client (EmailBison token `sandbox-<slug>`): the industries and
# the words in their titles. The agency's ICP rules approximate this truth, not copy it: Rise's rules also
# reward CTO/technology titles and company size and country, which do not move replies here; that is
# what a calibration should find. Any other token gets the generic market below.
CLIENT_MARKETS = {
    "rise": (("B2B SaaS", "Accounting & Finance", "Marketing & Advertising"),
             ("marketing", "brand", "people", "hr", "events")),
    "lime-recruitment": (("Logistics & Supply Chain", "Manufacturing", "Architecture & Construction"),
                         ("hr", "people", "talent", "operations")),
    "yoopknows": (("Architecture & Construction", "Real Estate"), ("architect", "principal", "project")),
    "outsignal": (("B2B SaaS", "Professional Services", "Managed Services & IT"), ("founder", "sales", "growth", "ceo")),
    "myacq": (("Business Services", "Manufacturing", "Logistics & Supply Chain"), ("owner", "founder", "ceo")),
}


def _has_word(title: str | None, words: tuple[str, ...]) -> bool:
    text = f" {re.sub(r'[^a-z0-9]+', ' ', (title or '').lower())} "
    return any(f" {w} " in text for w in words)


def true_fit(title: str | None, industry: str | None, token: str = "") -> float:
    """0–1: how much this lead wants what the client sells. For a demo client, its real market
    (industry 40%, title words 35%, seniority 15%, a 10% floor); otherwise seniority × industry appetite."""
    market = CLIENT_MARKETS.get(token.removeprefix("sandbox-"))
    if market is None:
        return seniority_fit(title) * industry_appetite(industry)
    industries, words = market
    return 0.1 + 0.4 * (industry in industries) + 0.35 * _has_word(title, words) + 0.15 * seniority_fit(title)


def reply_probability(fit: float) -> float:
    return 0.03 + 0.35 * fit


def interest_probability(fit: float) -> float:
    """Given a reply."""
    return 0.3 + 0.5 * fit


_REPLIES = (
    "Thanks for reaching out - can you send more details?",
    "Interesting timing, we are looking at this right now. Free Thursday?",
    "Not the right person, try our ops lead.",
    "Please remove me from your list.",
    "Sounds good <https://calendly.example/me|book here> or call me.",
    "We already work with someone, but <!channel> might want to see this & compare.",
)


def reply_text(email: str, interested: bool) -> str:
    options = _REPLIES[:2] + _REPLIES[4:] if interested else _REPLIES[2:4]
    return options[int(roll("reply-text", email) * len(options))]
