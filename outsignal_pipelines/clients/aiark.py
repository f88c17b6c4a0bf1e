"""AI Ark: people export by LinkedIn URL (with a BounceBan-verified email) and company search by
domain. A 404 is a free miss; 402 and 403 mean the account cannot pay."""

from __future__ import annotations

from typing import Any

from outsignal_pipelines.domain import normalize as norm
from outsignal_pipelines.clients.base import (
    BaseClient,
    PersonInput,
    ProviderBadResponse,
    ProviderOutOfCredits,
    ProviderRequestError,
    ProviderResult,
    clean_fields,
    pick,
)


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
        fields = clean_fields({
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
        fields = clean_fields({
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
