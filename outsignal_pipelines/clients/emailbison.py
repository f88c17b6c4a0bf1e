"""An httpx client for the EmailBison endpoints the product uses (reference/emailbison_api.md).

Any 2xx is success (the docs and live instances disagree on 200 vs 201); bodies come with or without
the `data` envelope; 401/404/422/429/5xx each raise a clear error. Only idempotent requests are retried
(GETs, and the email-keyed lead upsert): a blind retry of campaign creation or of the sequence-step
POST (which appends) is exactly how the first system got duplicate campaigns and tripled steps.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from outsignal_pipelines import settings

MAX_BATCH = 500
DEFAULT_TIMEOUT = 30.0


class EmailBisonError(RuntimeError):
    def __init__(self, message: str, status: int | None = None, errors: dict | None = None):
        super().__init__(message)
        self.status = status
        self.errors = errors or {}


class EmailBisonAuthError(EmailBisonError):
    pass


class EmailBisonNotFound(EmailBisonError):
    pass


class EmailBisonValidationError(EmailBisonError):
    pass


class EmailBisonRateLimited(EmailBisonError):
    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message, 429)
        self.retry_after = retry_after


class EmailBisonServerError(EmailBisonError):
    pass


def default_base_url() -> str:
    """OUTSIGNAL_EMAILBISON_URL, else the sandbox's EmailBison; a workspace's own URL wins over both."""
    explicit = settings.emailbison_url()
    if explicit:
        return explicit
    sandbox = settings.sandbox_url()
    if sandbox:
        return f"{sandbox}/emailbison"
    raise EmailBisonError("no EmailBison URL: set the workspace's emailbison_base_url or OUTSIGNAL_EMAILBISON_URL")


def unwrap(body: Any) -> Any:
    return body["data"] if isinstance(body, dict) and "data" in body else body


class EmailBisonClient:
    def __init__(self, base_url: str, token: str, timeout: float = DEFAULT_TIMEOUT,
                 transport: httpx.BaseTransport | None = None, max_retries: int = 4, max_wait: float = 60.0):
        if not token:
            raise EmailBisonAuthError("no EmailBison token configured for this workspace")
        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/api", timeout=timeout, transport=transport,
                                  trust_env=False, headers={"Authorization": f"Bearer {token}",
                                                            "Accept": "application/json"})
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmailBisonClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ transport

    def _request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                 retry: bool = False, raw: bool = False) -> Any:
        """One call. 429s are waited out (Retry-After) for every method, since a refused request was not
        performed; timeouts and 5xx are retried only when `retry` says the call is idempotent."""
        attempt = 0
        while True:
            self.requests += 1
            try:
                response = self._http.request(method, path, json=json, params=params)
                return self._check(response, raw)
            except EmailBisonRateLimited as exc:
                if attempt >= self.max_retries:
                    raise
                time.sleep(min(exc.retry_after if exc.retry_after is not None else 2**attempt, self.max_wait))
            except (EmailBisonServerError, httpx.TimeoutException) as exc:
                if not retry or attempt >= self.max_retries:
                    if isinstance(exc, httpx.TimeoutException):
                        raise EmailBisonServerError(f"EmailBison did not answer {method} {path} in time") from exc
                    raise
                time.sleep(min(0.5 * 2**attempt, self.max_wait))
            except httpx.TransportError as exc:
                raise EmailBisonServerError(f"EmailBison unreachable: {exc.__class__.__name__}") from exc
            attempt += 1

    def _check(self, response: httpx.Response, raw: bool = False) -> Any:
        status = response.status_code
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if 200 <= status < 300:
            if response.content and body is None:
                raise EmailBisonServerError(f"EmailBison answered {status} with a body that is not JSON", status)
            if raw:
                return body
            data = unwrap(body)
            if isinstance(data, dict) and data.get("success") is False:
                raise EmailBisonError(data.get("message") or "EmailBison refused the request", status)
            return data
        message = (body or {}).get("message") if isinstance(body, dict) else None
        if status == 401:
            raise EmailBisonAuthError("EmailBison refused the token (401): check the workspace's EmailBison token", status)
        if status == 404:
            raise EmailBisonNotFound(f"EmailBison has no such record or route (404): {response.request.url.path}", status)
        if status == 422:
            errors = body.get("errors") if isinstance(body, dict) else None
            raise EmailBisonValidationError(f"EmailBison rejected the data (422): {message or 'invalid'}", status, errors)
        if status == 429:
            retry_after = response.headers.get("Retry-After")
            raise EmailBisonRateLimited("EmailBison rate limit (429)", float(retry_after) if retry_after else None)
        if status >= 500:
            raise EmailBisonServerError(f"EmailBison server error {status}", status)
        inner = unwrap(body) if isinstance(body, dict) else None
        detail = (inner.get("message") if isinstance(inner, dict) else None) or message
        raise EmailBisonError(f"EmailBison refused the request ({status}): {detail or 'no detail'}", status)

    def _pages(self, path: str, params: dict | None = None) -> list[dict]:
        """Every item of a paginated list (15 per page), following meta.last_page."""
        items: list[dict] = []
        page = 1
        while True:
            body = self._request("GET", path, params={**(params or {}), "page": page}, retry=True, raw=True) or {}
            data = body.get("data", []) if isinstance(body, dict) else body
            items.extend(data or [])
            last = (body.get("meta") or {}).get("last_page", page) if isinstance(body, dict) else page
            if page >= (last or page) or not data:
                return items
            page += 1

    # ------------------------------------------------------------ campaigns

    def create_campaign(self, name: str, type_: str = "outbound") -> dict:
        return self._request("POST", "/campaigns", json={"name": name, "type": type_})

    def get_campaign(self, campaign_id: int) -> dict:
        return self._request("GET", f"/campaigns/{int(campaign_id)}", retry=True)

    def find_campaigns(self, search: str) -> list[dict]:
        return self._pages("/campaigns", {"search": search})

    # ------------------------------------------------------------ custom variables

    def custom_variables(self) -> list[str]:
        return [v.get("name") for v in self._pages("/custom-variables")]

    def create_custom_variable(self, name: str) -> dict:
        return self._request("POST", "/custom-variables", json={"name": name})

    def ensure_custom_variables(self, names: list[str]) -> list[str]:
        existing = set(self.custom_variables())
        created = []
        for name in names:
            if name not in existing:
                try:
                    self.create_custom_variable(name)
                except EmailBisonValidationError:
                    pass  # created meanwhile ("has already been taken")
                created.append(name)
        return created

    # ------------------------------------------------------------ leads

    def upsert_leads(self, leads: list[dict], behavior: str = "patch") -> list[dict]:
        """create-or-update/multiple, ≤500 per call, matched by email: idempotent, so it is retried."""
        if len(leads) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} leads per request")
        data = self._request("POST", "/leads/create-or-update/multiple",
                             json={"existing_lead_behavior": behavior, "leads": leads}, retry=True)
        return data if isinstance(data, list) else []

    def attach_leads(self, campaign_id: int, lead_ids: list[int]) -> dict:
        return self._request("POST", f"/campaigns/{int(campaign_id)}/leads/attach-leads",
                             json={"lead_ids": lead_ids, "allow_parallel_sending": False}, retry=True)

    def campaign_leads(self, campaign_id: int, tag_ids: list[int] | None = None) -> list[dict]:
        """Every lead of a campaign with its per-campaign stats (`lead_campaign_data`); with `tag_ids`,
        only the leads carrying one of those tags (`filters.tag_ids[]`)."""
        params = {"filters[tag_ids][]": [int(t) for t in tag_ids]} if tag_ids else None
        return self._pages(f"/campaigns/{int(campaign_id)}/leads", params)

    def campaign_stats(self, campaign_id: int, start_date: str, end_date: str) -> dict:
        """POST /campaigns/{id}/stats for a date range (YYYY-MM-DD): a read, so it is retried."""
        data = self._request("POST", f"/campaigns/{int(campaign_id)}/stats",
                             json={"start_date": start_date, "end_date": end_date}, retry=True)
        return data if isinstance(data, dict) else {}

    def tags(self) -> list[dict]:
        return self._pages("/tags")

    # ------------------------------------------------------------ webhooks (§11)

    def webhooks(self) -> list[dict]:
        data = self._request("GET", "/webhook-url", retry=True)
        return list(data or []) if isinstance(data, list) else []

    def create_webhook(self, name: str, url: str, events: list[str]) -> dict:
        """POST /webhook-url (201). Not retried blindly: callers look for theirs by name first."""
        return self._request("POST", "/webhook-url", json={"name": name, "url": url, "events": list(events)})

    def update_webhook(self, webhook_id: int, name: str, url: str, events: list[str]) -> dict:
        """PUT /webhook-url/{id}: the same body as create; events left out are disabled. Idempotent."""
        return self._request("PUT", f"/webhook-url/{int(webhook_id)}",
                             json={"name": name, "url": url, "events": list(events)}, retry=True)

    # ------------------------------------------------------------ sequence steps (v1.1)

    def sequence_steps(self, campaign_id: int) -> list[dict]:
        data = self._request("GET", f"/campaigns/v1.1/{int(campaign_id)}/sequence-steps", retry=True)
        if isinstance(data, dict):
            if data.get("success") is False:
                return []
            return list(data.get("sequence_steps") or [])
        return list(data or [])

    def create_sequence_steps(self, campaign_id: int, title: str, steps: list[dict]) -> dict:
        """POST appends. Never retried blindly: callers read the steps back first."""
        return self._request("POST", f"/campaigns/v1.1/{int(campaign_id)}/sequence-steps",
                             json={"title": title, "sequence_steps": steps})
