"""The Leads Agent page and dialog layout: the workspace in focus comes from the page behind it and is
shown; the input box stays below the conversation; a CSV export is a download, not a server path."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_portal" / "streamlit_app.py")


def _chat_page(**state) -> AppTest:
    from outsignal_pipelines.operations.auth import admin_sign_in

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["admin_session"] = admin_sign_in("test-admin-password")
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("app_pages/admin_chat.py").run()
    assert not at.exception
    return at


def _order(block) -> list[str]:
    """Element types in the order they are drawn, depth first."""
    out: list[str] = []
    for child in getattr(block, "children", {}).values():
        out.append(getattr(child, "type", type(child).__name__))
        out += _order(child)
    return out


def test_focus_comes_from_the_page_selection_and_the_input_stays_at_the_bottom(seeded_store):
    at = _chat_page(people_workspace="YoopKnows")
    assert at.selectbox(key="page_workspace").value == "YoopKnows"   # not the first workspace, 1210 Solutions
    at.chat_input(key="page_input").set_value("what lists do we have").run()
    assert not at.exception
    assert "YoopKnows Practices" in at.chat_message[1].markdown[0].value
    at.chat_input(key="page_input").set_value("switch to rise").run()
    assert at.selectbox(key="page_workspace").value == "Rise"          # switched by saying so


def _dialog_body() -> None:
    """The dialog's body: inside a dialog (any container) the chat input is drawn where it is called."""
    import streamlit as st

    from streamlit_portal.services.chat_ui import render_chat

    with st.container():
        render_chat("dialog")


def test_in_the_dialog_the_input_box_stays_below_the_conversation(seeded_store):
    at = AppTest.from_function(_dialog_body, default_timeout=90)
    at.session_state["chat_conversation"] = {"workspace": "rise"}
    at.run()
    for sentence in ("what lists do we have", "show Rise Q1", "find ctos in fintech"):
        at.chat_input(key="dialog_input").set_value(sentence).run()
        assert not at.exception
        order = _order(at.main)
        messages = [i for i, t in enumerate(order) if t == "chat_message"]
        assert len(messages) >= 2 and order.index("chat_input") > max(messages), order


def test_export_to_csv_offers_a_download_not_a_server_path(seeded_store):
    from outsignal_pipelines.store import connect

    with connect() as con:
        con.execute("UPDATE people SET email_status = 'valid' WHERE email IS NOT NULL")
    at = _chat_page()
    at.chat_input(key="page_input").set_value("export Rise Q1 to csv").run()
    assert not at.exception
    reply = at.chat_message[1].markdown[0].value
    assert "download it below" in reply and "/" not in reply
    [button] = at.get("download_button")
    assert button.proto.label.startswith("Download ") and button.proto.label.endswith(".csv")


def test_lead_data_in_a_reply_is_shown_as_text_not_markdown():
    from streamlit_portal.services.chat_ui import plain

    shown = plain("Sophia Patel is [Win a prize](http://evil.example) at *Acme*_Ltd.")
    assert "\\[Win a prize\\]\\(http://evil.example\\)" in shown and "\\*Acme\\*\\_Ltd" in shown
