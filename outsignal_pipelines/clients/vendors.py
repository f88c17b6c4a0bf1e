"""One client per vendor, built from each vendor's documented API (see reference/providers.md).

Every client returns ProviderResult for hits and clean misses and raises a ProviderError subclass for
everything else, mapping the vendor's own conventions (Prospeo's HTTP 400 NO_MATCH is a miss and its
INSUFFICIENT_CREDITS is out-of-credits; FindyMail's 402/423; LeadMagic's 402; MillionVerifier's errors
inside HTTP 200...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outsignal_pipelines.domain import normalize as norm
from outsignal_pipelines.clients.base import (
    BaseClient,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderOutOfCredits,
    ProviderRateLimited,
    ProviderRequestError,
    ProviderResult,
    first_text,
    pick,
    retry_after_seconds,
)


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


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
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


# ------------------------------------------------------------------ Prospeo

class ProspeoClient(BaseClient):
    vendor = "prospeo"

    def auth_headers(self) -> dict[str, str]:
        return {"X-KEY": self.key, "Content-Type": "application/json"}

    @staticmethod
    def datapoints(person: PersonInput) -> dict[str, str] | None:
        if person.linkedin_url:
            return {"linkedin_url": person.linkedin_url}
        if person.has_name and (person.company_domain or person.company_name):
            data = {"first_name": person.first_name, "last_name": person.last_name}
            if person.company_domain:
                data["company_website"] = person.company_domain
            if person.company_name:
                data["company_name"] = person.company_name
            return data
        return None

    def _errors(self, status: int, headers, body: Any) -> None:
        code = body.get("error_code") if isinstance(body, dict) else None
        if code == "INSUFFICIENT_CREDITS":
            raise ProviderOutOfCredits(self.vendor, "out of credits (INSUFFICIENT_CREDITS)", status)
        if status == 401 or code == "INVALID_API_KEY":
            raise ProviderAuthError(self.vendor, "the API key was refused (INVALID_API_KEY)", status)
        if status == 429 or code == "RATE_LIMITED":
            raise ProviderRateLimited(self.vendor, "rate limited (RATE_LIMITED)", retry_after_seconds(headers), status)
        self.common_errors(status, headers, body)

    def _person_result(self, body: dict, credits: float) -> ProviderResult:
        person = body.get("person") or {}
        company = body.get("company") or {}
        email = pick(person, "email")
        found_email = None
        if isinstance(email, dict) and email.get("revealed") and email.get("status") == "VERIFIED":
            found_email = email.get("email")
        mobile = pick(person, "mobile")
        phone = mobile.get("mobile") if isinstance(mobile, dict) and mobile.get("revealed") else None
        fields = _clean({
            "email": found_email, "first_name": person.get("first_name"), "last_name": person.get("last_name"),
            "job_title": person.get("current_job_title"), "linkedin_url": person.get("linkedin_url"),
            "phone": phone, "company_name": company.get("name"), "company_domain": company.get("domain"),
            "location": ", ".join(p for p in (pick(person, "location", "city"), pick(person, "location", "country")) if p) or None,
            "country": pick(person, "location", "country_code"),
        })
        return ProviderResult(self.vendor, "found", fields, "valid" if "email" in fields else None, credits, body)

    async def enrich_person(self, person: PersonInput) -> ProviderResult:
        data = self.datapoints(person)
        if data is None:
            raise ProviderRequestError(self.vendor, "needs a LinkedIn URL, or a name with a company")
        status, headers, body = await self.request("POST", "/enrich-person",
                                                   json_body={"only_verified_email": True, "data": data})
        if status == 200:
            body = self.need_json(status, body)
            if body.get("error"):
                raise ProviderBadResponse(self.vendor, "HTTP 200 with error=true")
            credits = 0.0 if body.get("free_enrichment") else 1.0
            return self._person_result(body, credits)
        body_dict = body if isinstance(body, dict) else {}
        if status == 400 and body_dict.get("error_code") in ("NO_MATCH", "INVALID_DATAPOINTS"):
            return ProviderResult(self.vendor, "not_found", {}, None, 0.0, body_dict)
        self._errors(status, headers, body)
        if status == 400:
            raise ProviderRequestError(self.vendor, f"request refused: {body_dict.get('error_code', 'HTTP 400')}", status)
        self.need_json(status, body)
        raise ProviderRequestError(self.vendor, f"unexpected HTTP {status}", status)

    async def bulk_enrich_person(self, people: dict[str, PersonInput]) -> dict[str, ProviderResult]:
        """Up to 50 people per call, keyed by our identifier. Misses come back as not_found."""
        if len(people) > 50:
            raise ValueError("Prospeo bulk enrich takes at most 50 people per request")
        data = []
        for identifier, person in people.items():
            points = self.datapoints(person)
            if points:
                data.append({"identifier": identifier, **points})
        results = {i: ProviderResult(self.vendor, "not_found") for i in people}
        if not data:
            return results
        status, headers, body = await self.request("POST", "/bulk-enrich-person",
                                                   json_body={"only_verified_email": True, "data": data})
        if status != 200:
            self._errors(status, headers, body)
            raise ProviderRequestError(self.vendor, f"bulk request refused (HTTP {status})", status)
        body = self.need_json(status, body)
        for match in body.get("matched") or []:
            identifier = match.get("identifier")
            if identifier in results:
                results[identifier] = self._person_result(match, 1.0)
        return results


# ------------------------------------------------------------------ AI Ark

class AIArkClient(BaseClient):
    vendor = "aiark"

    def auth_headers(self) -> dict[str, str]:
        return {"X-TOKEN": self.key, "Content-Type": "application/json"}

    def _errors(self, status: int, headers, body: Any) -> None:
        if status in (402, 403):
            raise ProviderOutOfCredits(self.vendor, f"out of credits or access denied ({status})", status)
        self.common_errors(status, headers, body)
        if status >= 400:
            message = body.get("error") if isinstance(body, dict) else None
            raise ProviderRequestError(self.vendor, f"request refused ({status}: {message or 'no detail'})", status)

    async def export_person(self, person: PersonInput) -> ProviderResult:
        """Profile plus a BounceBan-verified email for a LinkedIn URL; 404 is a free miss."""
        if not person.linkedin_url:
            raise ProviderRequestError(self.vendor, "needs a LinkedIn URL")
        status, headers, body = await self.request("POST", "/v1/people/export/single",
                                                   json_body={"url": person.linkedin_url})
        if status == 404:
            return ProviderResult(self.vendor, "not_found", {}, None, 0.0, body if isinstance(body, dict) else None)
        if status != 200:
            self._errors(status, headers, body)
        body = self.need_json(status, body)
        outputs = pick(body, "email", "output") or []
        email, email_status = None, None
        for item in outputs if isinstance(outputs, list) else []:
            if not isinstance(item, dict) or not item.get("address"):
                continue
            email = item["address"]
            if item.get("status") == "INVALID":
                email_status = "invalid"
            elif item.get("domainType") == "SMTP":
                email_status = "valid"
            elif item.get("domainType") == "CATCH_ALL":
                email_status = "catch_all"
            else:
                email_status = "unknown"
            break
        profile = body.get("profile") or body.get("summary") or {}
        fields = _clean({
            "email": email, "first_name": profile.get("first_name"), "last_name": profile.get("last_name"),
            "job_title": profile.get("title"), "linkedin_url": pick(body, "link", "linkedin"),
            "company_name": pick(body, "company", "summary", "name"),
            "company_domain": pick(body, "company", "link", "domain"),
            "location": pick(body, "location", "default"), "country": pick(body, "location", "country"),
        })
        if "email" not in fields:
            email_status = None
        return ProviderResult(self.vendor, "found", fields, email_status, 1.0, body)

    async def company(self, domain: str) -> ProviderResult:
        status, headers, body = await self.request(
            "POST", "/v1/companies", json_body={"page": 0, "size": 1, "account": {"domain": {"include": [domain]}}})
        if status != 200:
            self._errors(status, headers, body)
        body = self.need_json(status, body)
        content = body.get("content")
        if not isinstance(content, list):
            raise ProviderBadResponse(self.vendor, "company search answer has no content list")
        if not content:
            return ProviderResult(self.vendor, "not_found", {}, None, 0.0, body)
        item = content[0] if isinstance(content[0], dict) else {}
        fields = _clean({
            "name": pick(item, "summary", "name"), "industry": pick(item, "summary", "industry"),
            "headcount": pick(item, "summary", "staff", "total"), "description": pick(item, "summary", "description"),
            "year_founded": pick(item, "summary", "founded_year"), "website": pick(item, "link", "website"),
            "location": pick(item, "location", "headquarter"), "country": pick(item, "location", "country"),
        })
        try:
            company_linkedin = norm.normalize_linkedin_company_url(pick(item, "link", "linkedin"))
        except norm.InvalidValue:
            company_linkedin = None
        if company_linkedin:
            fields["linkedin_url"] = company_linkedin
        return ProviderResult(self.vendor, "found" if fields else "not_found", fields, None, 1.0, body)


# ------------------------------------------------------------------ LeadMagic

_LEADMAGIC_STATUS = {"valid": "valid", "valid_catch_all": "catch_all", "catch_all": "catch_all",
                     "invalid": "invalid", "unknown": "unknown"}


class LeadMagicClient(BaseClient):
    vendor = "leadmagic"

    def auth_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}

    def _errors(self, status: int, headers, body: Any) -> None:
        if status == 402:
            raise ProviderOutOfCredits(self.vendor, "insufficient credits (402)", status)
        self.common_errors(status, headers, body)
        if status >= 400:
            code = pick(body, "errors")
            detail = code[0].get("code") if isinstance(code, list) and code and isinstance(code[0], dict) else None
            raise ProviderRequestError(self.vendor, f"request refused ({status}: {detail or 'no detail'})", status)

    async def find_email(self, person: PersonInput) -> ProviderResult:
        if not person.has_name or not (person.company_domain or person.company_name):
            raise ProviderRequestError(self.vendor, "needs first and last name with a domain or company")
        payload = {"first_name": person.first_name, "last_name": person.last_name}
        if person.company_domain:
            payload["domain"] = person.company_domain
        else:
            payload["company_name"] = person.company_name
        status, headers, body = await self.request("POST", "/v1/people/email-finder", json_body=payload)
        if status != 200:
            self._errors(status, headers, body)
        body = self.need_json(status, body)
        credits = float(body.get("credits_consumed") or 0)
        raw_status = body.get("status")
        if not body.get("email") or raw_status == "not_found":
            return ProviderResult(self.vendor, "not_found", {}, None, credits, body)
        fields = _clean({"email": body.get("email"), "company_name": body.get("company_name"),
                         "company_domain": body.get("domain")})
        return ProviderResult(self.vendor, "found" if "email" in fields else "not_found", fields,
                              _LEADMAGIC_STATUS.get(raw_status, "unknown"), credits, body)

    async def validate(self, email: str) -> ProviderResult:
        status, headers, body = await self.request("POST", "/v1/people/email-validation", json_body={"email": email})
        if status != 200:
            self._errors(status, headers, body)
        body = self.need_json(status, body)
        raw = body.get("email_status")
        mapped = _LEADMAGIC_STATUS.get(raw)
        if mapped is None:
            raise ProviderBadResponse(self.vendor, f"unknown email_status {raw!r}")
        if mapped == "valid" and body.get("is_domain_catch_all"):
            mapped = "catch_all"
        return ProviderResult(self.vendor, "found", {}, mapped, float(body.get("credits_consumed") or 0), body)


# ------------------------------------------------------------------ FindyMail

class FindyMailClient(BaseClient):
    vendor = "findymail"

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "Accept": "application/json"}

    def _errors(self, status: int, headers, body: Any) -> None:
        if status == 402:
            raise ProviderOutOfCredits(self.vendor, "not enough credits (402)", status)
        if status == 423:
            raise ProviderOutOfCredits(self.vendor, "subscription paused (423)", status)
        self.common_errors(status, headers, body)
        if status >= 400:
            raise ProviderRequestError(self.vendor, f"request refused ({status})", status)

    async def find(self, person: PersonInput) -> ProviderResult:
        """By LinkedIn URL when known, else by name + domain. Only verified emails come back."""
        if person.linkedin_url:
            path, payload = "/api/search/linkedin", {"linkedin_url": person.linkedin_url}
        elif person.has_name and (person.company_domain or person.company_name):
            path = "/api/search/name"
            payload = {"name": f"{person.first_name} {person.last_name}",
                       "domain": person.company_domain or person.company_name}
        else:
            raise ProviderRequestError(self.vendor, "needs a LinkedIn URL, or a name with a domain")
        status, headers, body = await self.request("POST", path, json_body=payload)
        if status == 404:
            return ProviderResult(self.vendor, "not_found", {}, None, 0.0, body if isinstance(body, dict) else None)
        if status != 200:
            self._errors(status, headers, body)
        body = self.need_json(status, body)
        if isinstance(body.get("error"), str) and "credit" in body["error"].lower():
            raise ProviderOutOfCredits(self.vendor, body["error"], status)
        contact = body.get("contact")
        if not isinstance(contact, dict) or not contact.get("email"):
            return ProviderResult(self.vendor, "not_found", {}, None, 0.0, body)
        first, last = contact.get("first_name"), contact.get("last_name")
        if not (first or last) and isinstance(contact.get("name"), str):
            first, _, last = contact["name"].partition(" ")
        fields = _clean({"email": contact.get("email"), "first_name": first, "last_name": last or None,
                         "job_title": contact.get("job_title"), "linkedin_url": contact.get("linkedin_url"),
                         "company_name": contact.get("company"), "company_domain": contact.get("domain"),
                         "location": contact.get("city"), "country": contact.get("country")})
        if "email" not in fields:
            return ProviderResult(self.vendor, "not_found", {}, None, 0.0, body)
        return ProviderResult(self.vendor, "found", fields, "valid", 1.0, body)

    async def verify(self, email: str) -> ProviderResult:
        status, headers, body = await self.request("POST", "/api/verify", json_body={"email": email})
        if status != 200:
            self._errors(status, headers, body)
        body = self.need_json(status, body)
        if isinstance(body.get("error"), str):
            if "credit" in body["error"].lower():
                raise ProviderOutOfCredits(self.vendor, body["error"], status)
            raise ProviderBadResponse(self.vendor, body["error"], status)
        if not isinstance(body.get("verified"), bool):
            raise ProviderBadResponse(self.vendor, "verify answer has no verified flag")
        return ProviderResult(self.vendor, "found", {}, "valid" if body["verified"] else "invalid", 1.0, body)


# ------------------------------------------------------------------ Firecrawl

MAX_CRAWL_CHARS = 50_000


class FirecrawlClient(BaseClient):
    vendor = "firecrawl"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timeout", 30.0)
        super().__init__(*args, **kwargs)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def scrape_homepage(self, domain: str) -> ProviderResult:
        status, headers, body = await self.request(
            "POST", "/v2/scrape", json_body={"url": f"https://{domain}", "formats": ["markdown"], "onlyMainContent": True})
        if status == 402:
            raise ProviderOutOfCredits(self.vendor, "insufficient credits (402)", status)
        if status == 408:
            raise ProviderRateLimited(self.vendor, "the page timed out (408)", retry_after_seconds(headers), status)
        if status != 200:
            self.common_errors(status, headers, body)
            raise ProviderRequestError(self.vendor, f"request refused ({status})", status)
        body = self.need_json(status, body)
        if body.get("success") is not True or not isinstance(body.get("data"), dict):
            raise ProviderBadResponse(self.vendor, "scrape answer without success/data")
        data = body["data"]
        target_status = pick(data, "metadata", "statusCode")
        markdown = data.get("markdown") if isinstance(data.get("markdown"), str) else None
        if (isinstance(target_status, int) and target_status >= 400) or not markdown:
            # Firecrawl bills the page even when the site answered 4xx.
            return ProviderResult(self.vendor, "not_found", {}, None, 1.0, {"statusCode": target_status})
        description = first_text(pick(data, "metadata", "description"))
        fields = {"crawl_markdown": markdown[:MAX_CRAWL_CHARS]}
        if description:
            fields["description"] = description[:1000]
        title = first_text(pick(data, "metadata", "title"))
        raw = {"statusCode": target_status, "title": title, "chars": len(markdown)}  # markdown itself lives on the company
        return ProviderResult(self.vendor, "found", fields, None, 1.0, raw)


# ------------------------------------------------------------------ MillionVerifier

_MV_STATUS = {"ok": "valid", "catch_all": "catch_all", "unknown": "unknown", "disposable": "risky",
              "invalid": "invalid"}


class MillionVerifierClient(BaseClient):
    vendor = "millionverifier"

    def auth_headers(self) -> dict[str, str]:
        return {}

    async def verify(self, email: str) -> ProviderResult:
        status, headers, body = await self.request("GET", "/api/v3/", params={"api": self.key, "email": email,
                                                                               "timeout": 10})
        if status != 200:
            self.common_errors(status, headers, body)
            raise ProviderRequestError(self.vendor, f"request refused ({status})", status)
        body = self.need_json(status, body)
        error = body.get("error") or ""
        if error:
            low = error.lower()
            if "credit" in low:
                raise ProviderOutOfCredits(self.vendor, error)
            if "api" in low and ("key" in low or "invalid" in low):
                raise ProviderAuthError(self.vendor, error)
            raise ProviderBadResponse(self.vendor, f"verification error: {error}")
        result = body.get("result")
        if result == "error":
            raise ProviderBadResponse(self.vendor, "verification result 'error'")
        mapped = _MV_STATUS.get(result)
        if mapped is None:
            raise ProviderBadResponse(self.vendor, f"unknown result {result!r}")
        credits = 0.0 if body.get("free") or mapped == "unknown" else 1.0
        return ProviderResult(self.vendor, "found", {}, mapped, credits, body)
