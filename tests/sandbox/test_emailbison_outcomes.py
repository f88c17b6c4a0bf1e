"""The sandbox EmailBison after the send: its clock emits a deterministic outcome model (replies rise
with the lead's true fit, bounces with the address's truth and stale finder data), and what it
reports through the documented reads (campaign leads, the meeting tag filter, stats) agrees with what
it emitted."""

from __future__ import annotations

import httpx

from outsignal_pipelines.sandbox import world

AUTH = {"Authorization": "Bearer sandbox-test"}
TITLES = {"senior": ["Chief Executive Officer", "Founder", "VP Sales", "Head of Growth"],
          "junior": ["Sales Intern", "Account Executive", "Support Specialist", "Student Ambassador"]}


def _campaign_with_leads(base: str, n: int) -> tuple[int, dict[int, str]]:
    api = f"{base}/emailbison/api"
    cid = httpx.post(f"{api}/campaigns", json={"name": "Outcome model"}, headers=AUTH).json()["data"]["id"]
    leads, group = [], {}
    for i in range(n):
        kind = "senior" if i % 2 == 0 else "junior"
        leads.append({"first_name": f"Ann{i}", "last_name": f"Lee{i}", "email": f"ann{i}.lee@fit{i % 7}.example",
                      "title": TITLES[kind][i % 4], "company": "Fit"})
    ids = []
    for start in range(0, n, 500):
        stored = httpx.post(f"{api}/leads/create-or-update/multiple", json={"leads": leads[start:start + 500]},
                            headers=AUTH, timeout=30).json()["data"]
        ids += [lead["id"] for lead in stored]
    httpx.post(f"{api}/campaigns/{cid}/leads/attach-leads", json={"lead_ids": ids}, headers=AUTH, timeout=30)
    for lead_id, lead in zip(ids, leads):
        group[lead_id] = "senior" if lead["title"] in TITLES["senior"] else "junior"
    return cid, group


def test_replies_rise_with_fit_and_the_reads_agree_with_the_events(sandbox):
    cid, group = _campaign_with_leads(sandbox.url, 600)
    answer = httpx.post(f"{sandbox.url}/_sandbox/emailbison/clock", json={"advance_days": 15, "deliver": False},
                        timeout=120).json()
    assert answer["day"] == 15 and answer["delivered"] == 0 and answer["emitted"]["sent"] == 600
    events = httpx.get(f"{sandbox.url}/_sandbox/emailbison/events", params={"token": "sandbox-test"}).json()
    facts: dict[int, set[str]] = {}
    for event in events:
        facts.setdefault(event["lead_id"], set()).add(event["type"])

    def rate(kind: str, who: str) -> float:
        members = [lid for lid, g in group.items() if g == who and "bounced" not in facts.get(lid, set())]
        return sum(kind in facts.get(lid, set()) for lid in members) / len(members)

    assert rate("replied", "senior") > 2 * rate("replied", "junior")
    assert rate("interested", "senior") > 2 * rate("interested", "junior")

    api = f"{sandbox.url}/emailbison/api"
    rows = []
    page = 1
    while True:
        body = httpx.get(f"{api}/campaigns/{cid}/leads", params={"page": page}, headers=AUTH).json()
        rows += body["data"]
        if page >= body["meta"]["last_page"]:
            break
        page += 1
    for lead in rows:
        got, stats = facts.get(lead["id"], set()), lead["lead_campaign_data"]
        assert (stats["emails_sent"] > 0) == ("sent" in got)
        assert (stats["replies"] > 0) == ("replied" in got) and stats["interested"] == ("interested" in got)
        assert (stats["status"] == "bounced") == ("bounced" in got)
    tag = next(t for t in httpx.get(f"{api}/tags", headers=AUTH).json()["data"] if t["name"] == "Meeting Booked")
    tagged = httpx.get(f"{api}/campaigns/{cid}/leads", params={"filters[tag_ids][]": tag["id"]}, headers=AUTH).json()
    assert tagged["meta"]["total"] == sum("meeting_booked" in f for f in facts.values()) > 0
    stats = httpx.post(f"{api}/campaigns/{cid}/stats", json={"start_date": "2026-01-01", "end_date": "2026-12-31"},
                       headers=AUTH).json()["data"]
    assert stats["bounced"] == sum("bounced" in f for f in facts.values())
    assert stats["unique_replies"] == sum("replied" in f for f in facts.values())
    # The same world, asked again, tells the same story.
    assert [e["type"] for e in events] == [e["type"] for e in httpx.get(
        f"{sandbox.url}/_sandbox/emailbison/events", params={"token": "sandbox-test"}).json()]


def test_leadmagic_stale_addresses_bounce_the_most(sandbox):
    people = [(f"Maya{i}", f"Okafor{i}", f"stale{i % 11}.example") for i in range(400)]
    found: dict[str, list[str]] = {"leadmagic": [], "findymail": []}
    sandbox.configure(leadmagic={"hit_rate": 1.0}, findymail={"hit_rate": 1.0})
    with httpx.Client(timeout=30) as client:
        for first, last, domain in people[:60]:
            lm = client.post(f"{sandbox.url}/leadmagic/v1/people/email-finder", headers={"X-API-Key": "k"},
                             json={"first_name": first, "last_name": last, "domain": domain}).json()
            found["leadmagic"].append(lm["email"])
    assert any(world.is_stale(e) for e in found["leadmagic"])
    assert all(world.is_stale(e) == world.finder_is_stale("leadmagic", f"name:{f}|{l}|{d}".lower())
               for e, (f, l, d) in zip(found["leadmagic"], people[:60]))

    def mean_bounce(addresses: list[str]) -> float:
        return sum(world.bounce_probability(a) for a in addresses) / len(addresses)

    leadmagic = [world.stale_email_for(f, l, d) if world.finder_is_stale("leadmagic", f"name:{f}|{l}|{d}".lower())
                 else world.email_for(f, l, d) for f, l, d in people]
    others = [world.email_for(f, l, d) for f, l, d in people]
    assert mean_bounce(leadmagic) > 2 * mean_bounce([a for a in others if world.verification(a) == "valid"])
    assert mean_bounce(leadmagic) > mean_bounce(others) + 0.1


def test_a_demo_clients_real_market_is_what_its_icp_approximates():
    buyer = world.true_fit("Director of Marketing", "B2B SaaS", "sandbox-rise")
    off_market = world.true_fit("Chief Technology Officer", "Manufacturing", "sandbox-rise")
    assert buyer > 0.8 and off_market < 0.3 and world.reply_probability(buyer) > 2 * world.reply_probability(off_market)
    # Another EmailBison workspace: the generic market (seniority × industry appetite).
    assert world.true_fit("Sales Intern", "B2B SaaS", "sandbox-test") < world.true_fit("Founder", "B2B SaaS", "x")
