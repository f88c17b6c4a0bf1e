"""Firecrawl homepage scrape, kept as markdown for scoring. A page that answered 4xx is still billed;
408 (the page timed out) is worth retrying."""

from __future__ import annotations

from outsignal_pipelines.clients.base import (
    BaseClient,
    ProviderBadResponse,
    ProviderOutOfCredits,
    ProviderRateLimited,
    ProviderRequestError,
    ProviderResult,
    first_text,
    pick,
    retry_after_seconds,
)

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
