"""The SMTP client against a real SMTP server (aiosmtpd) on loopback: one message with the right
envelope and headers; refused recipients, header injection and unreachable servers are SmtpErrors;
a partial refusal is reported, not raised (the others got the mail)."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from outsignal_pipelines.clients import smtp

SENDER = "Outsignal <notifications@outsignal.example>"


class _Sink:
    """Keeps every message; refuses recipients at the `refused.example` domain."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if address.endswith("@refused.example"):
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield ("127.0.0.1", port), sink
    finally:
        controller.stop()


def test_sends_one_message_with_envelope_and_headers(server):
    target, sink = server
    refused = smtp.send_email(target, SENDER, ["client@rise.example", "ops@rise.example"], "List approved",
                              "Rise Q1 was approved.\nhttps://portal.example/portal?token=abc")
    assert refused == {}
    [(mail_from, rcpt_tos, message)] = sink.messages
    assert mail_from == "notifications@outsignal.example"
    assert rcpt_tos == ["client@rise.example", "ops@rise.example"]
    assert (message["From"], message["To"], message["Subject"]) == (
        SENDER, "client@rise.example, ops@rise.example", "List approved")
    assert "token=abc" in message.get_body(preferencelist=("plain",)).get_content()


def test_a_partial_refusal_is_reported_not_raised(server):
    target, sink = server
    refused = smtp.send_email(target, SENDER, ["client@rise.example", "ghost@refused.example"], "s", "t")
    assert list(refused) == ["ghost@refused.example"] and refused["ghost@refused.example"][0] == 550
    assert sink.messages[0][1] == ["client@rise.example"]


def test_every_recipient_refused_is_an_error(server):
    target, sink = server
    with pytest.raises(smtp.SmtpError, match="ghost@refused.example"):
        smtp.send_email(target, SENDER, ["ghost@refused.example"], "s", "t")
    assert sink.messages == []


def test_a_line_break_in_a_header_is_refused_before_sending(server):
    target, sink = server
    with pytest.raises(smtp.SmtpError, match="header"):
        smtp.send_email(target, SENDER, ["client@rise.example"], "hello\nBcc: everyone@example.com", "t")
    assert sink.messages == []


def test_no_recipients_is_an_error(server):
    target, _ = server
    with pytest.raises(smtp.SmtpError, match="recipient"):
        smtp.send_email(target, SENDER, [], "s", "t")


def test_nothing_listening_is_an_error():
    with pytest.raises(smtp.SmtpError, match="unreachable"):
        smtp.send_email(("127.0.0.1", _free_port()), SENDER, ["client@rise.example"], "s", "t", timeout=2)
