"""Text from clients and imports is data: Slack must not read it as mentions or links, and a
spreadsheet must not run it, whatever invisible characters stand in front of the formula."""

from __future__ import annotations

import pytest

from outsignal_pipelines.domain.untrusted_text import (
    is_spreadsheet_formula,
    slack_escape,
    spreadsheet_cell,
    spreadsheet_row,
)


@pytest.mark.parametrize("text, escaped", [
    ("<!channel> look", "&lt;!channel&gt; look"),                                 # no @channel ping
    ("<https://evil.example|your invoice>", "&lt;https://evil.example|your invoice&gt;"),  # no masked link
    ("<@U123> & co", "&lt;@U123&gt; &amp; co"),                                    # no user mention; & first
    ("&lt;already&gt;", "&amp;lt;already&amp;gt;"),                               # shown as typed, not decoded
    ("plain *bold* text", "plain *bold* text"),
    (None, ""),
])
def test_slack_escape(text, escaped):
    assert slack_escape(text) == escaped


@pytest.mark.parametrize("value, formula", [
    ('=HYPERLINK("http://evil.example","x")', True),
    ("+cmd|' /C calc'!A0", True),                 # DDE without parentheses
    ("-2+3+cmd|' /C calc'!A0", True),             # arithmetic in front of the DDE call
    ("-2+3 (x)", True),
    ("@SUM(A1:A2)", True),
    ("\t=HYPERLINK(\"http://evil.example\")", True),       # behind a tab
    ("\r=1+1", True),                                        # behind a carriage return
    ("\u200b=HYPERLINK(\"http://evil.example\")", True),   # behind a zero-width space
    ("\ufeff=1+1", True),                                    # behind a BOM
    ("\x07+cmd|' /C calc'!A0", True),                        # behind a control character
    ("   \u2060@cmd|x", True),                               # spaces and a word joiner
    ("+44 20 7946 0958", False),                             # a phone number is data
    ("-2.5", False), ("+1 (555) 010-0100", False),
    ("@jane.doe", False),                                    # a handle is data
    ("Jane", False), ("", False), (None, False), ("-", False), ("=", False),
])
def test_spreadsheet_formula_detection(value, formula):
    assert is_spreadsheet_formula(value) is formula


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("\t=HYPERLINK(\"x\")", "'\t=HYPERLINK(\"x\")"),
    ("\u200b=HYPERLINK(\"x\")", "'\u200b=HYPERLINK(\"x\")"),
    ("\ufeff@SUM(A1)", "'\ufeff@SUM(A1)"),
    ("\x01=1", "'\x01=1"),
    ("\rnote", "'\rnote"),
    ("-2.5", "'-2.5"),              # text that looks like a number is still text
    ("+44 20 7946 0958", "'+44 20 7946 0958"),
    ("Jane", "Jane"), ("a=b", "a=b"),
    (-2.5, -2.5), (42, 42), (None, ""),   # numbers stay numbers; None is an empty cell
])
def test_spreadsheet_cell(value, written):
    assert spreadsheet_cell(value) == written


def test_spreadsheet_row_covers_a_header_from_a_client():
    assert spreadsheet_row(["line", "=HYPERLINK(\"http://evil.example\")", 3]) == [
        "line", "'=HYPERLINK(\"http://evil.example\")", 3]
