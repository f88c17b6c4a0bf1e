"""What every vendor client shares: one exception family, one result shape, the question we ask about
a person, and an httpx seam (a transport can be injected) with timeouts always on.

Each vendor answers misses, errors and out-of-credits in its own way; clients translate those into
this module's vocabulary so the waterfall never needs to know a vendor's quirks. A client is given
its key and URL; clients.registry knows where those come from.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from outsignal_pipelines.domain import normalize as norm

DEFAULT_TIMEOUT = 10.0


# ------------------------------------------------------------------ errors

class ProviderError(RuntimeError):
    """Base of every provider failure. `retryable` says whether trying again later can help."""

    retryable = False

    def __init__(self, provider: str, message: str, status: int | None = None):
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.status = status


class ProviderAuthError(ProviderError):
    """The key is missing, wrong or revoked (401)."""


class ProviderOutOfCredits(ProviderError):
    """The account has no credits left (or is paused): stop calling this provider."""


class ProviderRateLimited(ProviderError):
    retryable = True

    def __init__(self, provider: str, message: str, retry_after: float | None = None, status: int | None = 429):
        super().__init__(provider, message, status)
        self.retry_after = retry_after


class ProviderServerError(ProviderError):
    """5xx or an equivalent temporary failure."""

    retryable = True


class ProviderTimeout(ProviderError):
    retryable = True


class ProviderBadResponse(ProviderError):
    """The answer was not the JSON the vendor documents (garbage, HTML, truncated)."""

    retryable = True


class ProviderRequestError(ProviderError):
    """The vendor refused our request as malformed (4xx other than auth/credits/rate): not retryable."""


class ProviderNotConfigured(ProviderError):
    """No API key: the provider is skipped, not failed."""


# ------------------------------------------------------------------ results

EMAIL_STATUSES = ("valid", "catch_all", "risky", "invalid", "unknown")

PERSON_RESULT_FIELDS = ("email", "first_name", "last_name", "job_title", "linkedin_url", "phone", "company_name",
                        "company_domain", "location", "country")
COMPANY_RESULT_FIELDS = ("name", "industry", "headcount", "location", "country", "website", "linkedin_url",
                         "description", "year_founded", "crawl_markdown")


@dataclass
class ProviderResult:
    """One answer from one provider, normalised. `outcome` is found or not_found; failures are
    exceptions. `credits` is what the vendor billed for this call (0 for free misses)."""

    provider: str
    outcome: str
    fields: dict[str, Any] = field(default_factory=dict)
    email_status: str | None = None
    credits: float = 0.0
    raw: Any = None

    @property
    def found(self) -> bool:
        return self.outcome == "found"

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> ProviderResult:
        data = json.loads(text)
        return cls(**{k: data.get(k) for k in ("provider", "outcome", "fields", "email_status", "credits", "raw")})


# ------------------------------------------------------------------ questions

@dataclass(frozen=True)
class PersonInput:
    """What we know about a person when asking a provider."""

    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    company_domain: str | None = None
    linkedin_url: str | None = None
    email: str | None = None

    @property
    def has_name(self) -> bool:
        return bool(self.first_name and self.last_name)


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Normalise what a vendor returned the same way imports do; drop values that fail."""
    out: dict[str, Any] = {}
    normalisers = {
        "email": norm.normalize_email, "linkedin_url": norm.normalize_linkedin_url,
        "company_domain": norm.normalize_domain, "first_name": norm.normalize_person_name,
        "last_name": norm.normalize_person_name, "company_name": norm.normalize_company_name,
        "website": lambda v: norm.clean_text(v), "domain": norm.normalize_domain,
    }
    for key, value in fields.items():
        if value is None or value == "" or value == []:
            continue
        fn = normalisers.get(key)
        try:
            value = fn(value) if fn else (norm.clean_text(value) if isinstance(value, str) else value)
        except norm.InvalidValue:
            continue
        if value not in (None, ""):
            out[key] = value
    if "phone" in out:
        try:
            out["phone"] = norm.normalize_phone(out["phone"], out.get("country"))
        except norm.InvalidValue:
            out.pop("phone")
    if "country" in out and isinstance(out["country"], str) and len(out["country"]) != 2:
        out["country"] = norm.normalize_country(out["country"])
        if out["country"] is None:
            out.pop("country")
    return out


# ------------------------------------------------------------------ HTTP

class BaseClient:
    """An async client for one vendor. `transport` is the test seam (httpx.MockTransport); in
    production and against the sandbox the default transport does real HTTP."""

    vendor: str = ""

    def __init__(self, key: str | None, url: str, timeout: float = DEFAULT_TIMEOUT,
                 transport: httpx.AsyncBaseTransport | None = None):
        if not key:
            raise ProviderNotConfigured(self.vendor, "no API key")
        self.key = key
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.url, timeout=httpx.Timeout(timeout), transport=transport,
                                       headers={"User-Agent": "outsignal-lead-engine/0.1"}, trust_env=False)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()

    def auth_headers(self) -> dict[str, str]:  # pragma: no cover - each client overrides
        return {}

    async def request(self, method: str, path: str, *, json_body: Any = None,
                      params: dict[str, Any] | None = None) -> tuple[int, httpx.Headers, Any]:
        """(status, headers, parsed JSON or None). Raises ProviderTimeout on timeouts and
        ProviderServerError when the connection fails; status handling is the caller's."""
        try:
            response = await self._http.request(method, path, json=json_body, params=params,
                                                headers=self.auth_headers())
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(self.vendor, f"no answer within {self._http.timeout.read} s") from exc
        except httpx.TransportError as exc:
            raise ProviderServerError(self.vendor, f"connection failed: {exc.__class__.__name__}") from exc
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = _NOT_JSON
        return response.status_code, response.headers, body

    def need_json(self, status: int, body: Any) -> dict:
        if body is _NOT_JSON or not isinstance(body, dict):
            raise ProviderBadResponse(self.vendor, f"HTTP {status} with a body that is not the documented JSON", status)
        return body

    def common_errors(self, status: int, headers: httpx.Headers, body: Any) -> None:
        """Statuses every vendor uses the same way."""
        if status == 401:
            raise ProviderAuthError(self.vendor, "the API key was refused (401)", status)
        if status == 429:
            raise ProviderRateLimited(self.vendor, "rate limited (429)", retry_after_seconds(headers))
        if status >= 500:
            raise ProviderServerError(self.vendor, f"server error {status}", status)


class _NotJson:
    def __repr__(self) -> str:
        return "<not JSON>"


_NOT_JSON = _NotJson()


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Retry-After (seconds), RateLimit-Reset, or Prospeo's x-minute-reset-seconds."""
    for name in ("retry-after", "ratelimit-reset", "x-ratelimit-reset", "x-minute-reset-seconds"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            continue
        if 0 <= seconds <= 3600:
            return seconds
    return None


def pick(data: Any, *path: str) -> Any:
    """data['a']['b'] that tolerates missing keys and nulls anywhere on the path."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def first_text(value: Any) -> str | None:
    """Firecrawl metadata can be a string or a list of strings."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return value.strip() if isinstance(value, str) and value.strip() else None
