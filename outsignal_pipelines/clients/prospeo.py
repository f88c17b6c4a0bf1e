"""Prospeo (enrich-person, bulk-enrich-person). Prospeo answers a miss as HTTP 400 NO_MATCH and an
empty balance as HTTP 400 INSUFFICIENT_CREDITS, so the status code alone says little."""

from __future__ import annotations

from typing import Any

from outsignal_pipelines.clients.base import (
    BaseClient,
    PersonInput,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderOutOfCredits,
    ProviderRateLimited,
    ProviderRequestError,
    ProviderResult,
    clean_fields,
    pick,
    retry_after_seconds,
)


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
        fields = clean_fields({
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
