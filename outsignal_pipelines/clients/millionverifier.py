"""MillionVerifier single verification. Errors (bad key, no credits) arrive inside HTTP 200 as an
`error` text; `unknown` results are free."""

from __future__ import annotations

from outsignal_pipelines.clients.base import (
    BaseClient,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderOutOfCredits,
    ProviderRequestError,
    ProviderResult,
)

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
