"""Which Dagster concurrency pool each step that calls a vendor takes, and how many of its steps may
run at once.

Demo profile: every enrichment and scoring step shares one pool (`enrichment`, limit 1) and deploys
take `emailbison`: one step at a time on one machine, exactly as before.

Production profile: a pool per vendor family, named after what its steps call, so runs of many lists
proceed side by side while no vendor gets more steps than its pool allows, whichever worker they land
on (the pools live in the Dagster instance, shared by every run and worker). The vendor's rate itself
is held by the shared token bucket every process takes its calls from (operations.enrichment.rate_limits
through OUTSIGNAL_REDIS_URL), so the sum over all steps stays inside each vendor's limit.
"""

from __future__ import annotations

from outsignal_pipelines import settings

# step → (production pool, what it calls)
VENDOR_POOLS: dict[str, tuple[str, str]] = {
    "people": ("email_finders", "AI Ark, Prospeo, LeadMagic, FindyMail (the workspace's finder order)"),
    "companies": ("company_data", "AI Ark company data, Firecrawl"),
    "verify": ("email_verifier", "MillionVerifier (or the workspace's verifier)"),
    "score": ("llm", "the LLM scorer (rules need no vendor)"),
    "deploy": ("emailbison", "EmailBison"),
}
DEMO_POOLS = {"people": "enrichment", "companies": "enrichment", "verify": "enrichment", "score": "enrichment",
              "deploy": "emailbison"}
DEFAULT_POOL_LIMIT = 4
# EmailBison deploys of one agency go one at a time (its API is the campaign's source of truth).
DEFAULT_LIMITS = {"emailbison": 1}


def pool_for(step: str) -> str:
    """The pool of a step, for the profile the definitions are loaded under."""
    return VENDOR_POOLS[step][0] if settings.production() else DEMO_POOLS[step]


def pool_limits() -> dict[str, int]:
    """Production pool → how many of its steps may run at once (OUTSIGNAL_POOL_<NAME> overrides)."""
    pools = sorted({pool for pool, _ in VENDOR_POOLS.values()})
    return {p: settings.pool_limit(p) or DEFAULT_LIMITS.get(p, DEFAULT_POOL_LIMIT) for p in pools}
