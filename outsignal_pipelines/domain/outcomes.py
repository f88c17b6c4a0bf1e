"""What happened after the send, in the engine's words: event types, score bands for outcomes, and
the rates every face shows. Pure; the rows come from operations/outcomes.

Score bands here are finer than the colour bands of the lead tables (domain/icp_rules.band): the
calibration question is whether the reply rate climbs with the score, which needs more than three
steps to see.
"""

from __future__ import annotations

# The event types campaign_events stores (migration 0009), by EmailBison's webhook event name.
EVENT_TYPES = {
    "EMAIL_SENT": "sent",
    "EMAIL_OPENED": "opened",
    "LEAD_REPLIED": "replied",
    "LEAD_INTERESTED": "interested",
    "EMAIL_BOUNCED": "bounced",
    "LEAD_UNSUBSCRIBED": "unsubscribed",
    "UNTRACKED_REPLY_RECEIVED": "untracked_reply",
    "TAG_ATTACHED": "meeting_booked",      # only with the tag MEETING_TAG; other tags are not outcomes
}
MEETING_TAG = "meeting booked"             # compared case-insensitively

# Events that tell the workspace someone answered (Slack and email, once each).
NOTIFIED_EVENTS = ("replied", "interested", "untracked_reply")

SCORE_BANDS = ("0-39", "40-59", "60-79", "80-100")
UNSCORED = "unscored"

# The dimensions an outcome rollup may group by (columns of lead_outcomes).
ROLLUP_DIMENSIONS = ("score_band", "vertical", "seniority", "finder_provider", "email_status")


def score_band(score: int | None) -> str:
    """'0-39', '40-59', '60-79' or '80-100'; 'unscored' when there is no score."""
    if score is None:
        return UNSCORED
    if score >= 80:
        return "80-100"
    if score >= 60:
        return "60-79"
    if score >= 40:
        return "40-59"
    return "0-39"


def rate(numerator: int, denominator: int) -> float | None:
    """A share rounded to 4 places; None (not zero) when nothing was there to count."""
    return round(numerator / denominator, 4) if denominator else None
