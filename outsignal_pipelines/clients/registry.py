"""The one list of data vendors. Adding a vendor means its client module, its sandbox module and one
entry in VENDORS: the waterfall, the sandbox app, cost estimates and the runner take everything else
(who finds emails, who verifies, prices, rate limits, environment names) from here.

The sandbox module is named as a string so that clients never import the sandbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import httpx

from outsignal_pipelines import settings
from outsignal_pipelines.clients.aiark import AIArkClient
from outsignal_pipelines.clients.base import DEFAULT_TIMEOUT, BaseClient, ProviderNotConfigured, ProviderResult
from outsignal_pipelines.clients.findymail import FindyMailClient
from outsignal_pipelines.clients.firecrawl import FirecrawlClient
from outsignal_pipelines.clients.leadmagic import LeadMagicClient
from outsignal_pipelines.clients.millionverifier import MillionVerifierClient
from outsignal_pipelines.clients.prospeo import ProspeoClient

# What a vendor can do for the waterfall.
FIND_EMAIL = "find_email"        # call(client, PersonInput)
VERIFY_EMAIL = "verify_email"    # call(client, email)
COMPANY_DATA = "company_data"    # call(client, domain)
CRAWL = "crawl"                  # call(client, domain): the homepage as markdown
ROLE_KINDS = (FIND_EMAIL, VERIFY_EMAIL, COMPANY_DATA, CRAWL)

# What an email finder can search by; the first one the person has is the question asked.
BY_LINKEDIN = "linkedin"
BY_NAME = "name"


@dataclass(frozen=True)
class Role:
    """One thing a vendor does. `step` names its answers in the ledger (enrichment_log.provider), so
    it never changes once used: changing it would make every answer look unasked."""

    kind: str
    step: str
    call: Callable[..., Awaitable[ProviderResult]]   # an unbound client method
    asks_by: tuple[str, ...] = ()                     # finders only


@dataclass(frozen=True)
class Vendor:
    name: str                  # our id, also the sandbox path prefix: /prospeo/...
    env: str                   # PROSPEO → PROSPEO_API_KEY, OUTSIGNAL_PROSPEO_URL, OUTSIGNAL_PROSPEO_RPS
    default_url: str
    usd_per_credit: float      # what one vendor credit costs us
    default_rps: float         # requests per second we allow ourselves
    client_class: type[BaseClient]
    roles: tuple[Role, ...]
    sandbox_module: str        # dotted path of its fake API: a module with routes(prefix)

    def role(self, kind: str) -> Role | None:
        return next((r for r in self.roles if r.kind == kind), None)

    def base_url(self) -> str:
        """OUTSIGNAL_<VENDOR>_URL, else the sandbox's /<vendor>, else the vendor's real API."""
        explicit = settings.vendor_url(self.env)
        if explicit:
            return explicit
        sandbox = settings.sandbox_url()
        return f"{sandbox}/{self.name}" if sandbox else self.default_url

    def api_key(self) -> str | None:
        """The vendor's key. Against the sandbox any key works, so a placeholder stands in: the demo
        never needs a real key."""
        key = settings.vendor_api_key(self.env)
        if key:
            return key
        if settings.sandbox_url() or settings.vendor_url(self.env):
            return "sandbox-key"
        return None

    def rate_limit(self) -> float:
        rps = settings.vendor_rps(self.env)
        return rps if rps is not None else self.default_rps

    def cost_usd(self, credits: float) -> float:
        return round(credits * self.usd_per_credit, 6)

    def client(self, *, timeout: float = DEFAULT_TIMEOUT,
               transport: httpx.AsyncBaseTransport | None = None) -> BaseClient:
        """A client configured from settings; ProviderNotConfigured (skip, do not fail) without a key."""
        key = self.api_key()
        if not key:
            raise ProviderNotConfigured(self.name, f"no API key: set {self.env}_API_KEY")
        return self.client_class(key=key, url=self.base_url(), timeout=timeout, transport=transport)


VENDORS: dict[str, Vendor] = {v.name: v for v in (
    Vendor("prospeo", "PROSPEO", "https://api.prospeo.io", 0.002, 5.0, ProspeoClient, (
        Role(FIND_EMAIL, "prospeo", ProspeoClient.enrich_person, (BY_LINKEDIN, BY_NAME)),
    ), "outsignal_pipelines.sandbox.prospeo"),
    Vendor("aiark", "AIARK", "https://api.ai-ark.com/api/developer-portal", 0.003, 5.0, AIArkClient, (
        Role(FIND_EMAIL, "aiark", AIArkClient.export_person, (BY_LINKEDIN,)),
        Role(COMPANY_DATA, "aiark-company", AIArkClient.company),
    ), "outsignal_pipelines.sandbox.aiark"),
    Vendor("leadmagic", "LEADMAGIC", "https://api.leadmagic.io", 0.005, 50.0, LeadMagicClient, (
        Role(FIND_EMAIL, "leadmagic", LeadMagicClient.find_email, (BY_NAME,)),
        Role(VERIFY_EMAIL, "leadmagic-verify", LeadMagicClient.validate),
    ), "outsignal_pipelines.sandbox.leadmagic"),
    Vendor("findymail", "FINDYMAIL", "https://app.findymail.com", 0.001, 10.0, FindyMailClient, (
        Role(FIND_EMAIL, "findymail", FindyMailClient.find, (BY_LINKEDIN, BY_NAME)),
        Role(VERIFY_EMAIL, "findymail-verify", FindyMailClient.verify),
    ), "outsignal_pipelines.sandbox.findymail"),
    Vendor("firecrawl", "FIRECRAWL", "https://api.firecrawl.dev", 0.001, 1.6, FirecrawlClient, (
        Role(CRAWL, "firecrawl", FirecrawlClient.scrape_homepage),
    ), "outsignal_pipelines.sandbox.firecrawl"),
    Vendor("millionverifier", "MILLIONVERIFIER", "https://api.millionverifier.com", 0.0005, 20.0,
           MillionVerifierClient, (
               Role(VERIFY_EMAIL, "millionverifier", MillionVerifierClient.verify),
           ), "outsignal_pipelines.sandbox.millionverifier"),
)}


def vendor(name: str) -> Vendor:
    try:
        return VENDORS[name]
    except KeyError:
        raise KeyError(f"unknown vendor {name!r}; known: {', '.join(VENDORS)}") from None


def names_with(kind: str) -> tuple[str, ...]:
    """Vendors that can do `kind`, in registry order."""
    return tuple(v.name for v in VENDORS.values() if v.role(kind) is not None)


def first_role(kind: str) -> Role | None:
    """The role used where one vendor is asked, not a chain (company data, crawl): the first listed."""
    return next((r for v in VENDORS.values() for r in v.roles if r.kind == kind), None)


def vendor_for_step(step: str) -> Vendor:
    """The vendor called (and paid) for a ledger step."""
    for v in VENDORS.values():
        if any(r.step == step for r in v.roles):
            return v
    raise KeyError(f"no vendor answers step {step!r}")


def steps() -> dict[str, str]:
    """Every ledger step → its vendor."""
    return {r.step: v.name for v in VENDORS.values() for r in v.roles}


def env_names() -> tuple[str, ...]:
    """The vendors' environment prefixes (PROSPEO, ...), for code that sets their variables."""
    return tuple(v.env for v in VENDORS.values())


def base_url(name: str) -> str:
    return vendor(name).base_url()


def api_key(name: str) -> str | None:
    return vendor(name).api_key()


def rate_limit(name: str) -> float:
    return vendor(name).rate_limit()


def cost_usd(name: str, credits: float) -> float:
    return vendor(name).cost_usd(credits)
