"""Every sentence quoted in issue 18, through the chat entry point with the offline planner, does what
its words ask: the right tool, the right arguments and the right effect on the store. On the planner as
it was, each of these got the list of abilities, a search, nothing, or the wrong filters."""

from __future__ import annotations

import re

import pytest

from outsignal_pipelines.agent.chat import Conversation, chat
from outsignal_pipelines.operations.lists import create_list, list_lists
from outsignal_pipelines.store import connect, query_df


def _ids(sql: str, params: list | None = None) -> list[int]:
    with connect() as con:
        return [r[0] for r in con.execute(sql, params or []).fetchall()]


def _rise_people(n: int, offset: int = 0) -> list[int]:
    return _ids("""SELECT p.id FROM people p JOIN person_workspaces w ON w.person_id = p.id
                   WHERE w.workspace_slug = 'rise' ORDER BY p.id LIMIT ? OFFSET ?""", [n, offset])


@pytest.fixture
def mission(seeded_store):
    """Mission Q1 in Rise with 10 members: 3 catch-all, 4 scored above 70."""
    from outsignal_pipelines.operations.lists import add_people

    create_list("rise", "Mission Q1")
    members = _rise_people(10, 50)
    add_people("rise", "Mission Q1", members)
    with connect() as con:
        con.execute("UPDATE people SET email = coalesce(email, 'x' || id || '@example.com'), email_status = 'valid' "
                    "WHERE id IN (SELECT unnest(?::BIGINT[]))", [members])
        con.execute("UPDATE people SET email_status = 'catch_all' WHERE id IN (SELECT unnest(?::BIGINT[]))", [members[:3]])
        con.execute("DELETE FROM icp_scores WHERE workspace_slug = 'rise' AND person_id IN (SELECT unnest(?::BIGINT[]))",
                    [members])
        for i, pid in enumerate(members):
            con.execute("INSERT INTO icp_scores (person_id, workspace_slug, score, scorer) VALUES (?, 'rise', ?, 'rules')",
                        [pid, 90 if i >= 6 else 40])
    return members


def _search(sentence: str, workspace: str = "rise"):
    reply, conv = chat(sentence, Conversation(workspace=workspace))
    [call] = reply.tool_calls
    return reply, call


def test_how_many_leads_does_rise_have_with_a_verified_email(seeded_store):
    reply, call = _search("how many leads does rise have with a verified email")
    expected = int(query_df("""SELECT count(*) AS n FROM stg_people p JOIN person_workspaces w ON w.person_id = p.person_id
                               WHERE w.workspace_slug = 'rise' AND p.has_verified_email""")["n"][0])
    assert call["tool"] == "count_people" and call["result"]["total"] == expected
    assert reply.reply.startswith(f"{expected:,} people match") and "verified email" in reply.reply


def test_what_did_we_spend_this_week(seeded_store):
    with connect() as con:
        con.execute("""INSERT INTO enrichment_log (entity_type, entity_id, provider, request_key, outcome, cost_usd,
                       workspace_slug) VALUES ('person', 1, 'prospeo', 'k1', 'found', 0.25, 'rise'),
                       ('person', 2, 'leadmagic', 'k2', 'found', 0.5, 'lime-recruitment')""")
    reply, call = _search("what did we spend this week")
    assert call["tool"] == "spend_summary" and call["args"] == {"period": "this_week"}
    assert call["result"]["total_usd"] == 0.75 and reply.reply.startswith("We spent $0.75 this week across all workspaces")
    assert {r["provider"] for r in reply.tables[0]["rows"]} == {"prospeo", "leadmagic"}


def test_how_many_people_on_mission_q1_scored_above_70(mission):
    reply, call = _search("how many people on Mission Q1 scored above 70?")
    assert call["tool"] == "count_people" and call["args"]["in_list"] == "Mission Q1"
    assert call["args"]["min_icp_score"] == 70 and call["result"]["total"] == 4


def test_who_is_sophia_patel(seeded_store):
    [pid] = _rise_people(1, 7)
    # Written as every writer of people writes (updated_at moves), so the search word index knows that
    # people changed and searches exactly until it is refreshed.
    with connect() as con:
        con.execute("UPDATE people SET first_name = 'Sophia', last_name = 'Patel', job_title = 'VP Marketing', "
                    "updated_at = current_timestamp WHERE id = ?", [pid])
        con.execute("UPDATE people SET last_name = 'Patelo', updated_at = current_timestamp "
                    "WHERE first_name = 'Sophia' AND last_name = 'Patel' AND id <> ?", [pid])
    reply, call = _search("who is Sophia Patel?")
    assert call["tool"] == "find_person" and call["result"]["total"] == 1
    assert reply.reply.startswith("Sophia Patel is VP Marketing at ")


def test_rename_abort_1_to_abort_one(seeded_store):
    create_list("rise", "Abort 1")
    reply, call = _search("rename Abort 1 to Abort One")
    assert call["tool"] == "rename_list" and reply.reply == "Renamed Abort 1 to Abort One."
    names = {t.name for t in list_lists("rise")}
    assert "Abort One" in names and "Abort 1" not in names


def test_delete_the_list_abort_2_asks_first_then_deletes(seeded_store):
    create_list("rise", "Abort 2")
    conv = Conversation(workspace="rise")
    preview, conv = chat("delete the list Abort 2", conv)
    assert preview.tool_calls[0]["tool"] == "delete_list" and "Reply \"yes\"" in preview.reply
    assert "Abort 2" in {t.name for t in list_lists("rise")}   # nothing deleted yet
    done, conv = chat("yes", conv)
    assert done.tool_calls[0]["result"]["deleted"] == "Abort 2"
    assert "Abort 2" not in {t.name for t in list_lists("rise")}


def test_remove_the_catch_all_emails_from_mission_q1(mission):
    reply, call = _search("remove the catch-all emails from Mission Q1")
    assert call["tool"] == "remove_from_list" and call["result"] == {"list": "Mission Q1", "removed": 3, "remaining": 7}
    left = _ids("SELECT person_id FROM target_list_members WHERE list_id = 'rise.mission-q1'")
    assert sorted(left) == sorted(mission[3:])
    assert reply.reply == "Removed 3 members from Mission Q1 (catch-all emails); 7 remain."


def _plant(ids: list[int], title: str, seniority: str, vertical: str, location: str | None = None) -> None:
    with connect() as con:
        con.execute(f"""UPDATE people SET job_title = ?, seniority = ?, vertical = ?, email_status = 'valid',
                        email = coalesce(email, 'p' || id || '@example.com')
                        {', location = ?' if location else ''} WHERE id IN (SELECT unnest(?::BIGINT[]))""",
                    [title, seniority, vertical, *([location] if location else []), ids])


def test_find_vps_of_sales_in_b2b_saas_with_verified_email_keeps_sales(seeded_store):
    _plant(_rise_people(3, 100), "VP Sales", "VP", "B2B SaaS")
    _plant(_rise_people(3, 110), "VP Marketing", "VP", "B2B SaaS")
    _, call = _search("find VPs of sales in B2B SaaS with verified email")
    rows = call["result"]["results"]
    assert call["args"]["title_any"] == ["sales"] and call["args"]["seniorities"] == ["VP"]
    assert len(rows) >= 3 and all(re.search(r"\bsales\b", r["job_title"].lower()) for r in rows)
    assert all(r["vertical"] == "B2B SaaS" and r["email_status"] == "valid" and r["seniority"] == "VP" for r in rows)


def test_find_marketing_directors_in_london_at_companies_with_50_200_staff(seeded_store):
    _, call = _search("find marketing directors in London at companies with 50-200 staff")
    args = call["args"]
    assert args["headcount_min"] == 50 and args["headcount_max"] == 200 and args["location"] == "London"
    assert args["title_any"] == ["marketing"] and args["seniorities"] == ["Director"] and "verticals" not in args
    for row in call["result"]["results"]:
        assert 50 <= row["headcount"] <= 200 and "london" in row["location"].lower()


def test_find_founders_in_the_uk_in_recruitment_with_a_score_over_70_is_a_search(seeded_store):
    reply, call = _search("find founders in the UK in recruitment with a score over 70")
    assert call["tool"] == "search_people" and "Which list" not in reply.reply
    assert call["args"] == {"workspace": "rise", "min_icp_score": 70, "title_any": ["founder"], "location": "UK",
                            "verticals": ["Staffing & Recruitment"]}


def test_fintech_is_shown_as_the_vertical_it_searched(seeded_store):
    reply, call = _search("find CTOs in fintech")
    assert call["args"]["verticals"] == ["Accounting & Finance"] and "Accounting & Finance" in reply.reply


def test_make_a_list_then_call_it_germany_saas_sales(seeded_store):
    conv = Conversation(workspace="rise")
    found, conv = chat("make a list of heads of sales in Germany in SaaS", conv)
    assert found.tool_calls[0]["tool"] == "search_people" and "What should I call the list?" in found.reply
    total = found.tool_calls[0]["result"]["total"]
    named, conv = chat("call it Germany SaaS Sales", conv)
    call = named.tool_calls[0]
    assert call["tool"] == "create_list" and call["result"]["created"] and call["result"]["added"] == total
    assert {t.name: t.member_count for t in list_lists("rise")}["Germany SaaS Sales"] == total


def test_replies_are_sentences_never_python_reprs(seeded_store, mission):
    conv = Conversation(workspace="rise")
    for sentence in ("show Mission Q1", "what lists does rise have", "score Mission Q1", "what did we spend today"):
        reply, conv = chat(sentence, conv)
        assert not re.search(r"[{}\[\]]|'green'|None", reply.reply), reply.reply
    assert "≥70: 4" in chat("show Mission Q1", conv)[0].reply


def test_not_understood_is_its_own_outcome_in_agent_runs(seeded_store):
    from outsignal_pipelines.operations.agent_runs import agent_runs

    reply, _ = chat("purple monkey dishwasher", Conversation(workspace="rise"))
    assert reply.outcome == "not_understood" and agent_runs("rise")[0]["status"] == "not_understood"


def test_an_unsure_sentence_gets_one_precise_question(seeded_store):
    conv = Conversation(workspace="lime-recruitment")
    asked, conv = chat("show rise", conv)
    assert asked.tool_calls == [] and asked.reply == "Did you mean the list Rise Q1 or the workspace Rise?"
    answered, conv = chat("the workspace", conv)
    assert answered.tool_calls[0]["tool"] == "list_lists" and answered.tool_calls[0]["args"] == {"workspace": "rise"}


def test_the_workspace_in_focus_is_the_last_mentioned_and_switchable(seeded_store):
    conv = Conversation(workspace="rise")
    reply, conv = chat("switch to lime", conv)
    assert conv.workspace == "lime-recruitment" and reply.reply == "Now working in Lime Recruitment."
    reply, conv = chat("find ctos in fintech", conv)
    assert reply.tool_calls[0]["args"]["workspace"] == "lime-recruitment"
