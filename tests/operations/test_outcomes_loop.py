"""The loop closed, over real HTTP on loopback: a list deployed to the sandbox EmailBison registers the
workspace's webhook URL; the sandbox clock emits what happens to each lead; the product's webhook
endpoint stores every fact once (replays and the backfill of what it missed add nothing); replies and
interest are announced once each, escaped for Slack; and the rollups equal counts computed here from
the sandbox's own record of what it emitted."""

from __future__ import annotations

import json
from collections import defaultdict

import httpx
import polars as pl
import pytest

from outsignal_pipelines.domain.outcomes import score_band
from outsignal_pipelines.operations.deploy import prepare_deploy, run_deploy
from outsignal_pipelines.operations.export import verification_gate
from outsignal_pipelines.operations.notifications import settle
from outsignal_pipelines.operations.outcomes import outcome_rollup
from outsignal_pipelines.operations.outcomes_backfill import backfill_outcomes
from outsignal_pipelines.operations.review import send_list_to_review, set_list_status
from outsignal_pipelines.store import connect

pytestmark = pytest.mark.slow
TOKEN = "sandbox-rise"


def _deploy_rise_q1() -> dict:
    with connect() as con:
        con.execute("UPDATE people SET email_status = 'unknown' WHERE email IS NOT NULL AND email_status IS NULL")
    send_list_to_review("rise", "Rise Q1")
    set_list_status("rise", "Rise Q1", "approved")
    assert verification_gate("rise", "Rise Q1").ready.height > 50
    return run_deploy("rise", prepare_deploy("rise", "Rise Q1")[0]["id"])


def _clock(sandbox, days: int, deliver: bool = True) -> dict:
    response = httpx.post(f"{sandbox.url}/_sandbox/emailbison/clock",
                          json={"advance_days": days, "deliver": deliver}, timeout=300)
    response.raise_for_status()
    return response.json()


def _emitted(sandbox) -> list[dict]:
    return httpx.get(f"{sandbox.url}/_sandbox/emailbison/events", params={"token": TOKEN}, timeout=60).json()


def _stored() -> pl.DataFrame:
    with connect() as con:
        return con.sql("SELECT event_key, event_type, source, person_id, list_id FROM campaign_events").pl()


def _expected_rollup(emitted: list[dict], by: str) -> dict:
    """Counts per group computed from the sandbox's record alone (the group of each lead read from the
    store by its email): leads, sent, bounced, replied, interested, meetings."""
    facts: dict[str, set[str]] = defaultdict(set)
    for event in emitted:
        facts[event["email"]].add(event["type"])
    with connect() as con:
        attached = con.execute(
            """SELECT p.email, s.score, p.vertical, p.seniority, p.email_status FROM lead_campaigns lc
               JOIN people p ON p.id = lc.person_id
               LEFT JOIN icp_scores s ON s.person_id = p.id AND s.workspace_slug = 'rise'
               WHERE lc.workspace_slug = 'rise'""").fetchall()
    groups: dict = defaultdict(lambda: defaultdict(int))
    for email, score, vertical, seniority, status in attached:
        key = {"score_band": score_band(score), "vertical": vertical, "seniority": seniority,
               "email_status": status}[by]
        got = facts.get(email, set())
        delivered = "sent" in got and "bounced" not in got
        row = groups[key]
        row["leads"] += 1
        row["sent"] += "sent" in got
        row["bounced"] += "bounced" in got
        row["replied"] += delivered and "replied" in got
        row["interested"] += delivered and "interested" in got
        row["meetings"] += delivered and "meeting_booked" in got
    return {k: dict(v) for k, v in groups.items()}


def test_events_flow_back_once_and_the_rollups_match_the_sandbox(seeded_store, sandbox, webhook_endpoint,
                                                                 mail_and_slack):
    done = _deploy_rise_q1()
    assert done["webhook"]["action"] == "created"
    hooks = httpx.get(f"{sandbox.url}/emailbison/api/webhook-url", headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=10).json()["data"]
    assert len(hooks) == 1 and hooks[0]["url"].startswith(f"{webhook_endpoint}/emailbison/webhook/")
    secret_url = hooks[0]["url"]
    with connect() as con:   # only the hash is kept
        assert con.execute("SELECT count(*) FROM webhook_secrets WHERE secret_sha256 = ?",
                           [__import__("hashlib").sha256(secret_url.rsplit("/", 1)[-1].encode()).hexdigest()]
                           ).fetchone()[0] == 1

    # Two days while the endpoint is down, then twelve with it up.
    down = _clock(sandbox, 2, deliver=False)
    up = _clock(sandbox, 12)
    emitted = _emitted(sandbox)
    assert sum(down["emitted"].values()) > 0 and up["failed"] == 0
    delivered = [e for e in emitted if e["delivered"]]
    missed = [e for e in emitted if not e["delivered"]]
    assert len(delivered) == up["delivered"] and missed
    kinds = {e["type"] for e in emitted}
    assert {"sent", "bounced", "replied", "interested", "meeting_booked"} <= kinds

    def key(e: dict) -> str:
        return f"emailbison:rise:{e['campaign_id']}:{e['lead_id']}:{e['type']}"

    stored = _stored()
    assert stored.height == len(delivered) and set(stored["event_key"]) == {key(e) for e in delivered}
    assert set(stored["source"]) == {"webhook"} and stored["person_id"].null_count() == 0
    assert set(stored["list_id"]) == {"rise.rise-q1"}

    # The backfill brings exactly what the endpoint missed, with the same keys.
    first = backfill_outcomes("rise")
    assert first["stored"] == len(missed)
    stored = _stored()
    assert stored.height == len(emitted) == len({key(e) for e in emitted})
    assert set(stored["event_key"]) == {key(e) for e in emitted}
    assert set(stored.filter(pl.col("source") == "backfill")["event_key"]) == {key(e) for e in missed}

    # Replays of every body and a second backfill store nothing new.
    with httpx.Client(timeout=30) as client:
        for event in emitted:
            answer = client.post(secret_url, json=event["payload"])
            assert answer.status_code == 200 and answer.json()["stored"] is False
    assert backfill_outcomes("rise")["stored"] == 0
    assert _stored().height == len(emitted)

    # One Slack message and one email per reply and per interest, whatever path brought it.
    announced = [e for e in emitted if e["type"] in ("replied", "interested")]
    with connect() as con:
        outbox = con.execute("SELECT channel, idempotency_key, payload FROM notification_outbox "
                             "WHERE kind IN ('lead_replied', 'lead_interested')").fetchall()
    assert sorted(k for _c, k, _p in outbox) == sorted(f"event:{key(e)}:{channel}" for e in announced
                                                       for channel in ("slack", "email"))
    slack_texts = [json.loads(p)["text"] for c, _k, p in outbox if c == "slack"]
    assert not any("<!channel>" in t or "<https://" in t for t in slack_texts)
    replies_with_markup = [e for e in announced if "<" in (e["payload"]["data"].get("reply") or {}).get("text_body", "")]
    if replies_with_markup:
        assert any("&lt;" in t for t in slack_texts)
    assert all(any(e["payload"]["data"]["campaign"]["name"] in t for t in slack_texts) for e in announced[:3])

    # The rollups equal counts computed from the sandbox's own record.
    with connect() as con:
        for by in ("score_band", "vertical", "seniority", "email_status"):
            ours = {r[by]: {k: r[k] for k in ("leads", "sent", "bounced", "replied", "interested", "meetings")}
                    for r in outcome_rollup(con, "rise", "rise.rise-q1", by=by).to_dicts()}
            assert ours == _expected_rollup(emitted, by), by
            total_sent = sum(r["sent"] for r in ours.values())
            assert total_sent == len({e["lead_id"] for e in emitted if e["type"] == "sent"})
    settle(timeout=20)  # the endpoint's background deliveries finish on this test's store
