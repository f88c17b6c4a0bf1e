"""The enrichment waterfall: people through email finders in order until a verified email, companies
through AI Ark then a homepage crawl, every paid call behind the same guards.

Guards, in the order a call meets them: dedup gate (the ledger held this answer when the run started:
reuse it, pay nothing) → provider switched off for this run (out of credits, bad key, circuit breaker
open) → the claim (`claims.ClaimBook`: one transaction claims the question in the store and reserves its
cost against the daily cap, which is one number for every process; a question another run holds is
waited for and its answer reused, `reused_in_flight`) → the vendor's rate limit (rate_limits: shared by
every process through Redis in the production profile) → the call, retried on
429 (honouring Retry-After / reset headers), 5xx, timeouts and garbage → the answer is committed to the
ledger, settling the claim in the same transaction → only then merged into the lead.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from outsignal_pipelines import settings
from outsignal_pipelines.domain.industries import vertical_for_industry
from outsignal_pipelines.domain.titles import normalise_title
from outsignal_pipelines.clients import base, registry
from outsignal_pipelines.clients.base import PersonInput
from outsignal_pipelines.operations.enrichment.rate_limits import Limit, TokenBucket, VendorLimits  # noqa: F401
from outsignal_pipelines.operations.enrichment.claims import ANSWERED, CAPPED, ClaimBook, holder_name
from outsignal_pipelines.operations.enrichment.ledger import (
    LedgerWriter,
    LogEntry,
    Merge,
    gate_key,
    load_answers,
    spent_today,
)
from outsignal_pipelines.operations.workspaces import DEFAULT_FINDER_ORDER
from outsignal_pipelines.store.connection import query_rows

# Product defaults (the finder order is a workspace's); which vendors can find or verify at all is the
# registry's to say.
DEFAULT_VERIFIER = "millionverifier"
DEFAULT_DAILY_CAP_USD = settings.DEFAULT_DAILY_CAP_USD


def default_daily_cap() -> float:
    return settings.daily_cap_usd()


@dataclass
class WaterfallConfig:
    finder_order: tuple[str, ...] = DEFAULT_FINDER_ORDER
    verifier: str = DEFAULT_VERIFIER
    daily_cap_usd: float = field(default_factory=default_daily_cap)
    force: bool = False                 # ask again even when the ledger has an answer
    concurrency: int = 32
    max_attempts: int = 5               # per call, across 429/5xx/timeouts
    breaker_threshold: int = 5          # consecutive failures that switch a provider off for the run
    backoff_base: float = 0.25
    max_backoff: float = 8.0
    trust_finder_verification: bool = True  # a finder's own SMTP-verified "valid" is not paid for again
    timeout: float = base.DEFAULT_TIMEOUT
    transports: dict[str, Any] = field(default_factory=dict)  # test seam: vendor → httpx transport

    def __post_init__(self) -> None:
        finders = registry.names_with(registry.FIND_EMAIL)
        unknown = [f for f in self.finder_order if f not in finders]
        if unknown:
            raise ValueError(f"unknown email finder(s) {unknown}; choose from {', '.join(finders)}")
        verifiers = registry.names_with(registry.VERIFY_EMAIL)
        if self.verifier not in verifiers:
            raise ValueError(f"unknown verifier {self.verifier!r}; choose from {', '.join(verifiers)}")


@dataclass
class ProviderStats:
    calls: int = 0          # HTTP requests actually sent
    paid_calls: int = 0
    cost_usd: float = 0.0
    found: int = 0
    not_found: int = 0
    errors: int = 0
    retries: int = 0
    skipped_by_dedup: int = 0
    reused_in_flight: int = 0   # answered by another run while this one was going: reused, not paid
    skipped_by_cap: int = 0
    skipped_disabled: int = 0


@dataclass
class RunReport:
    run_id: str
    people: int = 0
    companies: int = 0
    emails_found: int = 0
    verified_valid: int = 0
    verified: int = 0
    paid_calls: int = 0
    cost_usd: float = 0.0
    skipped_by_dedup: int = 0
    reused_in_flight: int = 0
    skipped_no_input: int = 0
    cap_reached: bool = False
    cap_usd: float = 0.0
    spent_today_usd: float = 0.0
    disabled: dict[str, str] = field(default_factory=dict)
    by_provider: dict[str, ProviderStats] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cost_usd"] = round(self.cost_usd, 6)
        data["spent_today_usd"] = round(self.spent_today_usd, 6)
        for stats in data["by_provider"].values():
            stats["cost_usd"] = round(stats["cost_usd"], 6)
        return data


class Waterfall:
    def __init__(self, workspace: str, config: WaterfallConfig | None = None, run_id: str | None = None,
                 claim_lease_seconds: float | None = None):
        self.workspace = workspace
        self.config = config or WaterfallConfig()
        self.report = RunReport(run_id=run_id or f"enrich-{uuid.uuid4().hex[:12]}")
        self.report.cap_usd = self.config.daily_cap_usd
        self._clients: dict[str, base.BaseClient] = {}
        self._buckets: dict[str, Limit] = {}
        self._limits: VendorLimits | None = None
        self._failures: dict[str, int] = {}
        self._answers: dict[tuple, base.ProviderResult] = {}
        self._inflight: dict[tuple, asyncio.Future] = {}
        self._claim_lease_seconds = claim_lease_seconds
        self._spent = 0.0
        self._lock: asyncio.Lock | None = None
        self.ledger: LedgerWriter | None = None
        self.claims: ClaimBook | None = None

    # ------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Waterfall:
        self._lock = asyncio.Lock()
        self._spent = await asyncio.to_thread(spent_today, self.workspace)
        self.report.spent_today_usd = self._spent
        # A forced refresh reuses only answers that landed after it began (another run's, in flight).
        since = (await asyncio.to_thread(query_rows, "SELECT current_timestamp::TIMESTAMP"))[0][0] \
            if self.config.force else None
        self.ledger = LedgerWriter()
        self._limits = VendorLimits()
        self.claims = ClaimBook(self.workspace, holder_name(self.report.run_id), self.config.daily_cap_usd,
                                since=since, lease_seconds=self._claim_lease_seconds)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.claims is not None:
            await self.claims.close()
        if self.ledger is not None:
            await self.ledger.close()
        for client in self._clients.values():
            await client.aclose()
        if self._limits is not None:
            await self._limits.aclose()
        self.report.spent_today_usd = self._spent

    def preload(self, entity_type: str, ids: list[int]) -> None:
        """Read the ledger's answers for these entities once, before any call is made."""
        if not self.config.force:
            self._answers.update(load_answers(entity_type, ids))

    def _stats(self, step: str) -> ProviderStats:
        return self.report.by_provider.setdefault(step, ProviderStats())

    def _client(self, vendor: str) -> base.BaseClient | None:
        if vendor in self.report.disabled:
            return None
        if vendor not in self._clients:
            spec = registry.vendor(vendor)
            try:
                self._clients[vendor] = spec.client(timeout=self.config.timeout,
                                                    transport=self.config.transports.get(vendor))
            except base.ProviderNotConfigured as exc:
                self.report.disabled[vendor] = str(exc)
                return None
            self._buckets[vendor] = (self._limits or VendorLimits()).limit(vendor, spec.rate_limit())
        return self._clients[vendor]

    # ------------------------------------------------------------ one guarded call

    async def call(self, step: str, entity_type: str, entity_id: int, request_key: str,
                   fn: Callable[[Any], Awaitable[base.ProviderResult]]) -> base.ProviderResult | None:
        vendor = registry.vendor_for_step(step).name
        stats = self._stats(step)
        key = gate_key(entity_type, entity_id, step, request_key)
        if not self.config.force and key in self._answers:
            stats.skipped_by_dedup += 1
            self.report.skipped_by_dedup += 1
            return self._answers[key]
        if key in self._inflight:  # the same question twice in this run: one call answers both
            stats.skipped_by_dedup += 1
            self.report.skipped_by_dedup += 1
            return await asyncio.shield(self._inflight[key])
        future = self._inflight[key] = asyncio.get_running_loop().create_future()
        try:
            result = await self._claimed_call(vendor, step, stats, key, fn)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the raise below reports it
            raise
        finally:
            del self._inflight[key]
        future.set_result(result)
        return result

    async def _claimed_call(self, vendor: str, step: str, stats: ProviderStats, key: tuple, fn):
        entity_type, entity_id, _, request_key = key
        client = self._client(vendor)
        if client is None:
            stats.skipped_disabled += 1
            return None
        outcome, answer = await self.claims.claim(key, registry.cost_usd(vendor, 1.0))
        if outcome == ANSWERED:
            stats.reused_in_flight += 1
            self.report.reused_in_flight += 1
            self._answers[key] = answer
            return answer
        if outcome == CAPPED:
            self.report.cap_reached = True
            stats.skipped_by_cap += 1
            return None
        try:
            result, error = await self._attempt(vendor, step, client, fn, stats)
        except Exception as exc:
            # An unexpected failure settles the claim like any error, so no other run waits for its lease.
            await self.ledger.log(LogEntry(entity_type, entity_id, step, request_key, "error",
                                           error=f"{type(exc).__name__}: {exc}", workspace_slug=self.workspace,
                                           run_id=self.report.run_id, claim_holder=self.claims.holder))
            raise
        if result is None:
            await self.ledger.log(LogEntry(entity_type, entity_id, step, request_key, "error", error=error,
                                           workspace_slug=self.workspace, run_id=self.report.run_id,
                                           claim_holder=self.claims.holder))
            return None
        cost = registry.cost_usd(vendor, result.credits)
        async with self._lock:
            self._spent += cost
        stats.cost_usd += cost
        self.report.cost_usd += cost
        if result.credits:
            stats.paid_calls += 1
            self.report.paid_calls += 1
        if result.found:
            stats.found += 1
        else:
            stats.not_found += 1
        # The answer is durable before anything is merged from it.
        await self.ledger.log(LogEntry(entity_type, entity_id, step, request_key, result.outcome, result, cost,
                                       workspace_slug=self.workspace, run_id=self.report.run_id,
                                       claim_holder=self.claims.holder))
        self._answers[key] = result
        return result

    async def _attempt(self, vendor: str, step: str, client: base.BaseClient, fn, stats: ProviderStats):
        error = "no attempt made"
        for attempt in range(self.config.max_attempts):
            if vendor in self.report.disabled:
                return None, f"{vendor} switched off: {self.report.disabled[vendor]}"
            await self._buckets[vendor].acquire()
            stats.calls += 1
            try:
                result = await fn(client)
            except base.ProviderRateLimited as exc:
                error = str(exc)
                wait = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                stats.retries += 1
                await asyncio.sleep(min(wait, self.config.max_backoff) + random.uniform(0, 0.05))
                continue
            except (base.ProviderServerError, base.ProviderTimeout, base.ProviderBadResponse) as exc:
                error = str(exc)
                stats.retries += 1
                await asyncio.sleep(self._backoff(attempt))
                continue
            except (base.ProviderOutOfCredits, base.ProviderAuthError) as exc:
                self.report.disabled[vendor] = str(exc)
                stats.errors += 1
                self.report.errors.append(str(exc))
                return None, str(exc)
            except base.ProviderRequestError as exc:
                stats.errors += 1
                return None, str(exc)
            self._failures[vendor] = 0
            return result, None
        stats.errors += 1
        stats.retries -= 1  # the last failure was not followed by a retry
        self._failures[vendor] = self._failures.get(vendor, 0) + 1
        if self._failures[vendor] >= self.config.breaker_threshold and vendor not in self.report.disabled:
            self.report.disabled[vendor] = (f"circuit breaker: {self._failures[vendor]} calls in a row failed "
                                            f"(last: {error})")
            self.report.errors.append(self.report.disabled[vendor])
        return None, error

    def _backoff(self, attempt: int) -> float:
        return min(self.config.max_backoff, self.config.backoff_base * (2**attempt)) * random.uniform(0.8, 1.2)

    # ------------------------------------------------------------ verification

    async def verify(self, person_id: int, email: str, round_key: str = "") -> str | None:
        """The verifier's status for an address (ledger-gated like every paid call). A re-verification
        passes a `round_key` (e.g. the date), which makes it a new question."""
        role = registry.vendor(self.config.verifier).role(registry.VERIFY_EMAIL)
        result = await self.call(role.step, "person", person_id, f"verify:{email}{round_key}",
                                 lambda c: role.call(c, email))
        if result is None:
            return None
        self.report.verified += 1
        return result.email_status

    # ------------------------------------------------------------ people

    async def enrich_person(self, person: dict[str, Any]) -> dict[str, Any]:
        """Finders in order until a verified email; then verification of whatever address we hold.
        Returns the person as this run leaves them (email and email_status included), so their own
        verification step can follow at once instead of waiting for the whole list to be read back."""
        pid = int(person["id"])
        state = dict(person)
        merge = Merge("person", pid)

        def absorb(result: base.ProviderResult) -> None:
            for column, value in result.fields.items():
                if column == "email":
                    continue
                if state.get(column) in (None, "") and value not in (None, ""):
                    state[column] = value
                    merge.fields[column] = value
            if merge.fields.get("job_title") and not state.get("seniority"):
                state["seniority"] = merge.fields["seniority"] = normalise_title(merge.fields["job_title"])[1]

        if not state.get("email"):
            candidates: list[tuple[str, str | None, str]] = []   # (email, status, finder)
            for finder in self.config.finder_order:
                query = PersonInput(state.get("first_name"), state.get("last_name"), state.get("company_name"),
                                    state.get("company_domain"), state.get("linkedin_url"))
                spec = self._finder_call(finder, query)
                if spec is None:
                    self.report.skipped_no_input += 1
                    continue
                step, request_key, fn = spec
                result = await self.call(step, "person", pid, request_key, fn)
                if result is None or not result.found:
                    continue
                absorb(result)
                email = result.fields.get("email")
                if not email:
                    continue
                status = result.email_status if (self.config.trust_finder_verification
                                                 and result.email_status == "valid") else None
                if status is None:
                    status = await self.verify(pid, email) or result.email_status
                candidates.append((email, status, finder))
                if status == "valid":
                    break
            if candidates:
                email, status, _ = next((c for c in candidates if c[1] == "valid"), candidates[0])
                merge.fields["email"] = email
                merge.email_status, merge.status_for_email, merge.verified = status, email, status is not None
                state["email"] = email
                if status is not None:
                    state["email_status"] = status
                self.report.emails_found += 1
                if status == "valid":
                    self.report.verified_valid += 1
        elif not state.get("email_status"):
            status = await self.verify(pid, state["email"])
            if status:
                merge.email_status, merge.status_for_email, merge.verified = status, state["email"], True
                state["email_status"] = status
                if status == "valid":
                    self.report.verified_valid += 1
        if merge.fields or merge.email_status:
            self.ledger.merge(merge)
        return state

    def _finder_call(self, finder: str, q: PersonInput):
        """(step, request key, call) for a finder, or None when we lack what it needs (skipped at no cost).
        The key is the question in the ledger: the first input, in the finder's order, that we have."""
        role = registry.vendor(finder).role(registry.FIND_EMAIL)
        if role is None:
            raise ValueError(finder)
        keys = {
            registry.BY_LINKEDIN: f"li:{q.linkedin_url}" if q.linkedin_url else None,
            registry.BY_NAME: (f"name:{q.first_name}|{q.last_name}|{q.company_domain or q.company_name}".lower()
                               if q.has_name and (q.company_domain or q.company_name) else None),
        }
        key = next((keys[way] for way in role.asks_by if keys[way]), None)
        return (role.step, key, lambda c: role.call(c, q)) if key else None

    async def verify_person(self, person: dict[str, Any], force_reverify: bool = False) -> None:
        """Verification only (for imported or stale emails)."""
        if not person.get("email"):
            return
        if person.get("email_status") and not force_reverify:
            return
        round_key = f"@{time.strftime('%Y-%m-%d')}" if force_reverify else ""
        status = await self.verify(int(person["id"]), person["email"], round_key)
        if status:
            self.ledger.merge(Merge("person", int(person["id"]), email_status=status,
                                    status_for_email=person["email"], verified=True))
            if status == "valid":
                self.report.verified_valid += 1

    # ------------------------------------------------------------ companies

    async def enrich_company(self, company: dict[str, Any]) -> None:
        """AI Ark's profile and the homepage crawl, asked at once: each needs only the domain, so the
        crawl (the slowest vendor) never waits behind the profile. Merged in that order: the crawl's
        description is kept only where neither the company nor the profile had one."""
        cid, domain = int(company["id"]), company["domain"]
        merge = Merge("company", cid)
        profile = registry.first_role(registry.COMPANY_DATA)
        crawl = registry.first_role(registry.CRAWL)

        async def nothing() -> None:
            return None

        answers = await asyncio.gather(
            self.call(profile.step, "company", cid, f"domain:{domain}", lambda c: profile.call(c, domain))
            if profile and not (company.get("industry") and company.get("headcount") and company.get("description"))
            else nothing(),
            self.call(crawl.step, "company", cid, f"homepage:{domain}", lambda c: crawl.call(c, domain))
            if crawl and not company.get("crawl_markdown") else nothing(),
            return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        profiled, crawled = answers
        if profiled is not None and profiled.found:
            fields = dict(profiled.fields)
            fields["industry"] = vertical_for_industry(fields.get("industry"))[0]
            merge.fields.update({k: v for k, v in fields.items() if v not in (None, "")
                                 and company.get(k) in (None, "")})
        if crawled is not None and crawled.found and crawled.fields.get("crawl_markdown"):
            merge.fields["crawl_markdown"] = crawled.fields["crawl_markdown"]
            merge.crawled = True
            if crawled.fields.get("description") and not company.get("description"):
                merge.fields.setdefault("description", crawled.fields["description"])
        if merge.fields:
            self.ledger.merge(merge)


def error_text(exc: BaseException) -> str:
    """One item's failure as the run's error list holds it."""
    return f"{type(exc).__name__}: {exc}"


async def run_bounded(items: list[Any], worker: Callable[[Any], Awaitable[None]], concurrency: int,
                      on_progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Run `worker` over items with at most `concurrency` at once; errors are collected, not raised."""
    semaphore = asyncio.Semaphore(max(1, concurrency))
    done = 0
    errors: list[str] = []

    async def one(item: Any) -> None:
        nonlocal done
        async with semaphore:
            try:
                await worker(item)
            except Exception as exc:  # noqa: BLE001 - one lead's failure must not stop the list
                errors.append(error_text(exc))
        done += 1
        if on_progress:
            on_progress(done, len(items))

    await asyncio.gather(*(one(item) for item in items))
    return errors
