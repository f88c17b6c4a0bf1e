"""FindyMail search (by LinkedIn URL or name + domain) and verify. It only returns verified addresses;
402 is out of credits and 423 a paused subscription, and credit errors can also arrive inside HTTP 200."""

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
)


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
        fields = clean_fields({"email": contact.get("email"), "first_name": first, "last_name": last or None,
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
