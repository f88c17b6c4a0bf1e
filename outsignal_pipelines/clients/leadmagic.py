"""LeadMagic email finder and validation. Credits consumed come back in the answer (0 for a miss);
402 means out of credits."""

from __future__ import annotations

from typing import Any

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
        fields = clean_fields({"email": body.get("email"), "company_name": body.get("company_name"),
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
