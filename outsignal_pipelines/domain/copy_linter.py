"""The copy linter: the outbound quality rules of the first system (original_system.md §9.1), checked
on every draft and shown next to it. `error` findings would break a send (unknown merge tokens,
unbalanced spintax) and block sending to review; `warning` findings are advice."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 70
SUBJECT_WORDS = (3, 6)
LEAD_TOKENS = {"FIRST_NAME", "LAST_NAME", "EMAIL", "TITLE", "COMPANY"}
SENDER_TOKENS = {"SENDER_FIRST_NAME", "SENDER_FULL_NAME", "SENDER_EMAIL_SIGNATURE"}
CUSTOM_TOKENS = {"LINKEDIN_URL", "PHONE", "ICP_SCORE", "VERTICAL"}  # the custom variables exports create
KNOWN_TOKENS = LEAD_TOKENS | SENDER_TOKENS | CUSTOM_TOKENS
BANNED_PHRASES = (
    "i hope this finds you well", "i hope this email finds you well", "my name is", "i wanted to reach out",
    "touching base", "circling back", "just following up", "synergy", "leverage", "game-changer", "game changer",
    "revolutionary", "guaranteed", "act now", "limited time", "exclusive offer", "no obligation", "free",
)
_BRACES = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # error | warning
    message: str


def _strip_markup(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text or "")


def _spintax_findings(text: str, where: str) -> list[Finding]:
    findings = []
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
            if depth > 1:
                return [Finding("spintax", "error", f"{where}: nested braces are not allowed")]
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return [Finding("spintax", "error", f"{where}: a '}}' closes nothing")]
    if depth:
        return [Finding("spintax", "error", f"{where}: a '{{' is never closed")]
    for inner in _BRACES.findall(text):
        if "|" in inner:
            options = [o.strip() for o in inner.split("|")]
            if len(options) < 2 or any(not o for o in options):
                findings.append(Finding("spintax", "error", f"{where}: spintax {{{inner}}} has an empty option"))
    return findings


def _token_findings(text: str, where: str, known: set[str]) -> list[Finding]:
    findings = []
    for inner in _BRACES.findall(text):
        if "|" in inner:
            continue
        if inner not in known:
            hint = " (tokens are {UPPER_SNAKE} in single braces)" if inner.lower() == inner or "{" in inner else ""
            findings.append(Finding("merge_tokens", "error", f"{where}: unknown merge token {{{inner}}}{hint}"))
    if "{{" in text:
        findings.append(Finding("merge_tokens", "error", f"{where}: double braces {{{{…}}}} are not substituted"))
    return findings


def lint(subject: str | None, body: str, step: int = 1, extra_tokens: set[str] | None = None) -> list[Finding]:
    known = KNOWN_TOKENS | (extra_tokens or set())
    subject = subject or ""
    text = _strip_markup(body)
    findings: list[Finding] = []
    words = len(re.findall(r"[\w'’-]+", _BRACES.sub("x", text)))
    if words > MAX_WORDS:
        findings.append(Finding("length", "warning", f"body has {words} words; keep it under {MAX_WORDS}"))
    for where, value in (("subject", subject), ("body", text)):
        if "—" in value:
            findings.append(Finding("em_dash", "warning", f"{where} has an em dash (—); use a comma or full stop"))
    if "!" in subject:
        findings.append(Finding("subject_exclamation", "warning", "no exclamation marks in subjects"))
    subject_words = len(subject.split())
    if subject and not SUBJECT_WORDS[0] <= subject_words <= SUBJECT_WORDS[1]:
        findings.append(Finding("subject_length", "warning",
                                f"subject has {subject_words} words; aim for {SUBJECT_WORDS[0]}–{SUBJECT_WORDS[1]}"))
    if not subject and step == 1:
        findings.append(Finding("subject_length", "error", "the first step needs a subject"))
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]
    if not sentences or "?" not in sentences[-1]:
        findings.append(Finding("soft_cta", "warning", "end with a soft question as the call to action"))
    lowered = f" {subject} {text} ".lower()
    for phrase in BANNED_PHRASES:
        if re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", lowered):
            findings.append(Finding("banned_phrase", "warning", f"banned phrase: {phrase!r}"))
    for where, value in (("subject", subject), ("body", body or "")):
        findings += _token_findings(value, where, known)
        findings += _spintax_findings(value, where)
    return findings


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


SAMPLE_LEAD = {"FIRST_NAME": "Jane", "LAST_NAME": "Doe", "EMAIL": "jane@acme.example", "TITLE": "Head of Marketing",
               "COMPANY": "Acme", "SENDER_FIRST_NAME": "Sam", "SENDER_FULL_NAME": "Sam Carter",
               "SENDER_EMAIL_SIGNATURE": "Sam Carter, Outsignal", "LINKEDIN_URL": "", "PHONE": "", "ICP_SCORE": "",
               "VERTICAL": "B2B SaaS"}


def preview(text: str, lead: dict[str, str] | None = None) -> str:
    """What a lead would read: tokens filled from the lead, spintax showing its first option."""
    values = {**SAMPLE_LEAD, **(lead or {})}

    def fill(match: re.Match) -> str:
        inner = match.group(1)
        if "|" in inner:
            return inner.split("|")[0].strip()
        return str(values.get(inner, match.group(0)))

    return _BRACES.sub(fill, text or "")
