"""The Slack webhook client posts text plus Block Kit, accepts any 2xx, and turns every failure
(non-2xx, timeout, nothing listening) into a SlackError that never carries the secret webhook URL."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from outsignal_pipelines.clients import slack

HOOK = "https://hooks.slack.test/services/T000/B000/secret-part"


def test_posts_text_and_blocks_as_json():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["method"], seen["url"] = request.method, str(request.url)
        seen["type"] = request.headers["content-type"]
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, text="ok")

    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "List approved"}}]
    slack.post_message(HOOK, "List approved\nRise Q1", blocks, transport=httpx.MockTransport(handler))
    assert seen == {"method": "POST", "url": HOOK, "type": "application/json",
                    "body": {"text": "List approved\nRise Q1", "blocks": blocks}}


def test_text_alone_becomes_one_section_block():
    body = slack.message_body("hello *there*")
    assert body == {"text": "hello *there*",
                    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello *there*"}}]}


@pytest.mark.parametrize("status", [200, 204])
def test_any_2xx_is_success(status):
    slack.post_message(HOOK, "hi", transport=httpx.MockTransport(lambda r: httpx.Response(status)))


@pytest.mark.parametrize("status, text", [(400, "invalid_payload"), (403, "invalid_token"), (404, "no_service"),
                                          (410, "channel_is_archived"), (429, "rate_limited"), (500, "")])
def test_non_2xx_raises_with_slacks_reason_and_without_the_url(status, text):
    with pytest.raises(slack.SlackError) as info:
        slack.post_message(HOOK, "hi", transport=httpx.MockTransport(lambda r: httpx.Response(status, text=text)))
    assert info.value.status == status
    assert str(status) in str(info.value) and text in str(info.value)
    assert "secret-part" not in str(info.value)


def test_a_timeout_is_a_slack_error():
    def handler(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(slack.SlackError, match="did not answer") as info:
        slack.post_message(HOOK, "hi", transport=httpx.MockTransport(handler))
    assert info.value.status is None


def test_nothing_listening_on_loopback_is_a_slack_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    url = f"http://127.0.0.1:{port}/hook/secret-part"
    with pytest.raises(slack.SlackError, match="unreachable") as info:
        slack.post_message(url, "hi", timeout=2)
    assert "secret-part" not in str(info.value)


def test_refuses_a_message_without_url_or_text():
    with pytest.raises(slack.SlackError):
        slack.post_message("", "hi")
    with pytest.raises(slack.SlackError):
        slack.post_message(HOOK, "", transport=httpx.MockTransport(lambda r: httpx.Response(200)))
