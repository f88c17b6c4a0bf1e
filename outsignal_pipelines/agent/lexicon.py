"""The words an agency admin uses, for the offline planner: verbs per intent, job functions, places,
periods, and a spelling corrector that fixes typos in these words only (never in names of lists,
people or companies). Verticals and seniority levels come from the domain's own vocabularies."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process

from outsignal_pipelines.domain.industries import SEARCH_WORDS
from outsignal_pipelines.domain.normalize import normalize_country

# Job functions, as typed → the title words that mean them (matched on whole words in titles).
FUNCTIONS: dict[str, list[str]] = {
    "sales": ["sales"], "marketing": ["marketing"], "engineering": ["engineering"], "finance": ["finance"],
    "operations": ["operations", "ops"], "ops": ["operations", "ops"], "hr": ["hr", "human resources", "people"],
    "human resources": ["hr", "human resources", "people"], "people": ["people", "hr"], "product": ["product"],
    "technology": ["technology", "tech"], "tech": ["technology", "tech"], "growth": ["growth"],
    "revenue": ["revenue"], "business development": ["business development"], "bd": ["business development"],
    "customer success": ["customer success"], "it": ["it"], "data": ["data"], "legal": ["legal"],
    "procurement": ["procurement"], "design": ["design"], "talent": ["talent"], "recruitment": ["recruitment"],
    "recruiting": ["recruiting", "recruitment"], "partnerships": ["partnerships"], "security": ["security"],
    "compliance": ["compliance"], "strategy": ["strategy"], "communications": ["communications"],
    "content": ["content"], "demand generation": ["demand generation"], "brand": ["brand"], "digital": ["digital"],
}
FUNCTION_RE = "|".join(sorted((re.escape(f) for f in FUNCTIONS), key=len, reverse=True))

# Seniority words as people type them in a request (plural and spoken forms).
SENIORITY_WORDS: dict[str, str] = {
    "vp": "VP", "vps": "VP", "vice president": "VP", "vice presidents": "VP", "svp": "VP", "svps": "VP",
    "director": "Director", "directors": "Director", "manager": "Manager", "managers": "Manager",
    "c-suite": "C-Suite", "c suite": "C-Suite", "c-level": "C-Suite", "c level": "C-Suite", "executives": "C-Suite",
    "execs": "C-Suite", "senior ics": "Senior IC",
}
SENIORITY_RE = "|".join(sorted((re.escape(w) for w in SENIORITY_WORDS), key=len, reverse=True))

# Role abbreviations → title fragments, so "CTOs" finds both spellings.
ROLES: dict[str, list[str]] = {
    "cto": ["cto", "chief technology"], "ceo": ["ceo", "chief executive"], "cfo": ["cfo", "chief financial"],
    "cmo": ["cmo", "chief marketing"], "coo": ["coo", "chief operating"], "cio": ["cio", "chief information"],
    "cpo": ["cpo", "chief product"], "cro": ["cro", "chief revenue"], "founder": ["founder"],
    "co-founder": ["founder"], "cofounder": ["founder"], "owner": ["owner"],
    "managing director": ["managing director"], "md": ["managing director"],
}

CITIES = ("London", "Manchester", "Leeds", "Birmingham", "Bristol", "Cardiff", "Edinburgh", "Glasgow", "Liverpool",
          "New York", "San Francisco", "Los Angeles", "Chicago", "Boston", "Austin", "Seattle", "Miami", "Toronto",
          "Vancouver", "Montreal", "Dublin", "Cork", "Paris", "Lyon", "Berlin", "Munich", "Hamburg", "Amsterdam",
          "Rotterdam", "Stockholm", "Oslo", "Copenhagen", "Helsinki", "Madrid", "Barcelona", "Lisbon", "Milan",
          "Rome", "Zurich", "Vienna", "Warsaw", "Sydney", "Melbourne", "Singapore", "Dubai", "Bengaluru",
          "Bangalore", "Mumbai", "Delhi", "Tokyo", "Tel Aviv", "Cape Town")
# Country codes → how locations spell the country ("London, UK").
COUNTRY_LABELS = {"GB": "UK", "US": "USA", "IE": "Ireland", "DE": "Germany", "NL": "Netherlands", "FR": "France",
                  "SE": "Sweden", "ES": "Spain", "CA": "Canada", "AU": "Australia", "IN": "India", "IT": "Italy",
                  "PT": "Portugal", "CH": "Switzerland", "AT": "Austria", "PL": "Poland", "DK": "Denmark",
                  "NO": "Norway", "FI": "Finland", "BE": "Belgium", "SG": "Singapore", "AE": "UAE", "JP": "Japan",
                  "BR": "Brazil", "MX": "Mexico", "ZA": "South Africa", "IL": "Israel", "NZ": "New Zealand"}
_COUNTRY_WORDS = ("uk", "u.k.", "united kingdom", "great britain", "britain", "england", "scotland", "wales",
                  "usa", "u.s.", "united states", "america", "ireland", "germany", "netherlands", "holland",
                  "france", "sweden", "spain", "canada", "australia", "india", "italy", "portugal", "switzerland",
                  "austria", "poland", "denmark", "norway", "finland", "belgium", "uae", "japan", "brazil", "mexico",
                  "south africa", "israel", "new zealand", "dach", "nordics", "europe")
_REGIONS = {"dach": "Germany", "nordics": "Sweden", "europe": None}


def place(phrase: str) -> str | None:
    """A city or country as the data spells it ('the uk' → 'UK', 'london' → 'London'); None otherwise."""
    key = phrase.strip().lower().removeprefix("the ").strip(" .,?!")
    for city in CITIES:
        if city.lower() == key:
            return city
    if key in _REGIONS:
        return _REGIONS[key]
    if key == "united states":
        return "USA"
    if key in _COUNTRY_WORDS:
        code = normalize_country(key)
        return COUNTRY_LABELS.get(code or "", phrase.strip().title())
    return None


PLACE_RE = "|".join(sorted((re.escape(w) for w in [c.lower() for c in CITIES] + list(_COUNTRY_WORDS)),
                           key=len, reverse=True))

PERIODS = (
    (re.compile(r"\btoday\b|\bso far today\b"), "today"),
    (re.compile(r"\bthis week\b|\bweek so far\b"), "this_week"),
    (re.compile(r"\bthis month\b|\bmonth so far\b|\bmtd\b"), "this_month"),
    (re.compile(r"\b(last|past) (30|thirty) days\b|\blast month\b|\bpast month\b"), "last_30_days"),
    (re.compile(r"\b(last|past) (7|seven) days\b|\blast week\b|\bpast week\b"), "last_7_days"),
)

# Every word the planner reads; a typo of one of these is corrected before the sentence is understood.
KEYWORDS = {
    "find", "search", "show", "list", "lists", "create", "make", "build", "start", "rename", "delete", "remove",
    "add", "enrich", "score", "rescore", "export", "download", "send", "review", "deploy", "deployed", "status",
    "spend", "spent", "cost", "costs", "how", "many", "verified", "email", "emails", "valid", "people", "leads",
    "contacts", "directors", "director", "managers", "manager", "founders", "founder", "heads", "head", "above",
    "over", "under", "below", "staff", "employees", "headcount", "company", "companies", "switch", "workspace",
    "called", "named", "client", "approval", "campaign", "emailbison", "members", "only", "with", "without",
    "catch-all", "risky", "invalid", "scored", "score", "who", "what", "which", "there", "them", "everyone",
    "please", "rename", "delete", "between", "london", "germany", "manchester", "recruitment", "fintech", "saas",
    "marketing", "sales", "engineering", "operations", "finance", "executives", "based", "located",
    "vps", "ctos", "ceos", "cfos", "cmos", "coos", "drop", "purge", "wipe", "clean", "push", "launch",
} | {w for w in SEARCH_WORDS if " " not in w and len(w) > 4}
# Words near a keyword that must stay as typed.
_KEEP = {"store", "scare", "scope", "shore", "core", "sore", "more", "some", "stats", "state", "states", "lift",
         "list's", "view", "also", "send", "sent", "lead", "head", "heads", "then", "than", "they", "their",
         "these", "those", "this", "that", "with", "into", "onto", "from", "what", "where", "when", "have", "does",
         "done", "dont", "want", "will", "would", "could", "should", "please", "thanks", "rise", "open", "opening",
         "ones", "them", "here", "there", "just", "only", "over", "under", "above", "below", "first", "second",
         "name", "names", "call", "called", "again", "same", "each", "every", "staff", "many", "much", "most",
         "less", "least", "anyone", "people", "person", "new", "news", "next", "page", "previous", "prior",
         "free", "tell", "about", "after", "before", "whose", "whom", "emailed", "email", "exported", "expert",
         "score", "scores", "scoring", "cost", "costs", "post", "host", "most", "lost", "leaders", "loaders",
         "directory", "managing", "manage", "heading", "record", "report", "reports", "sport", "support"}


_KEEP |= {"unverified", "unscored", "unenriched", "deployed", "verify", "verifying", "remove", "removed"}
# Outcome words (results, replies, bounces): "finders" must not become "founders", nor "bounced" "bounces".
_KEEP |= {"finder", "finders", "bounced", "bounces", "bounce", "replied", "replies", "doing", "going", "results",
          "meetings", "performing", "performance", "responds", "response", "responses"}
KEYWORDS |= {"vertical", "provider", "providers", "seniority", "replies", "results"}
# Words of the vocabularies themselves ("real" of "real estate") are never "corrected" into another.
VOCAB_WORDS = {w for phrase in [*SEARCH_WORDS, *FUNCTIONS, *SENIORITY_WORDS, *ROLES, *_COUNTRY_WORDS, *CITIES]
               for w in re.findall(r"[a-z]+", phrase.lower())}


@lru_cache(maxsize=4096)
def correct(word: str) -> str:
    """A typo of a keyword ('enrcih', 'delte', 'verifed') → the keyword; any other word unchanged."""
    if len(word) < 5 or word in KEYWORDS or word in _KEEP or word in VOCAB_WORDS or not word.isalpha():
        return word
    match = process.extractOne(word, KEYWORDS, scorer=fuzz.ratio, score_cutoff=80)
    return match[0] if match else word
