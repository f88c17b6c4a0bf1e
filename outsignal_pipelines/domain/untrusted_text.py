"""Text from clients and imported files is data, wherever it goes: escaped for Slack's mrkdwn, and made
inert for spreadsheets in every file we write. One pure place for both rules, so no caller grows its
own (slightly different) copy.

Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell as a formula when its first character is
= + - or @, and some also after a leading tab or carriage return. Invisible characters (BOM,
zero-width spaces, control characters) and leading spaces may be dropped by the spreadsheet or by our
own cleaning, so the rule looks at the first *visible* character, not the first byte.
"""

from __future__ import annotations

import re
import unicodedata

_TRIGGERS = ("=", "+", "-", "@")
# Leading characters a reader can't see: whitespace and Unicode control (Cc) and format (Cf:
# BOM, zero-width space/joiners, bidi marks) characters.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}
# After a leading + or -: a plain number or phone number (-2.5, +44 20 7946 0958, (555) 010-0100).
_NUMBER_OR_PHONE = re.compile(r"^[+-][\d\s().\-/]*\d[\d\s().\-/]*$")
# After a leading @: a plain handle (@jane.doe) is data; @SUM(...), @cmd|... are not.
_HANDLE = re.compile(r"^@[\w.]+$")


def slack_escape(text: str | None) -> str:
    """Slack mrkdwn control characters made literal: `<!channel>` and `<https://x|y>` become plain text.

    Slack's documented rule is to replace exactly these three; everything else shows as typed."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _visible_start(text: str) -> str:
    """`text` without the leading characters nobody sees (and a spreadsheet or our cleaning may drop)."""
    for index, char in enumerate(text):
        if not (char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES):
            return text[index:]
    return ""


def is_spreadsheet_formula(value: str | None) -> bool:
    """True for a value we refuse to store because a spreadsheet would run it: =anything, or + - @
    followed by anything but a plain number, phone number or handle. Judged on the first visible
    character, after a BOM, zero-width space, control character, tab or spaces."""
    if not value:
        return False
    text = _visible_start(value)
    if len(text) < 2 or text[0] not in _TRIGGERS:
        return False
    if text[0] == "=":
        return True
    if text[0] == "@":
        return not _HANDLE.match(text)
    return not _NUMBER_OR_PHONE.match(text)


def spreadsheet_cell(value: object) -> object:
    """One cell for a CSV file a person may open in a spreadsheet.

    Text whose first visible character is = + - @, or that starts with a tab, carriage return or line
    feed, gets a leading apostrophe so it is shown, never run. Numbers, dates and booleans are left as
    they are (a numeric column keeps -2.5 a number); None becomes an empty cell."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value[:1] in ("\t", "\r", "\n") or _visible_start(value)[:1] in _TRIGGERS:
        return "'" + value
    return value


def spreadsheet_row(values: list[object] | tuple[object, ...]) -> list[object]:
    """`spreadsheet_cell` over a row (the header row included: column names can come from a client)."""
    return [spreadsheet_cell(v) for v in values]
