"""`sign-ins revoke`: the admin ends a client's sessions and unused links from the command line."""

from __future__ import annotations

from tests.cli.helpers import app, one_json, runner


def test_revoke_ends_a_clients_sessions_and_refuses_an_empty_request(workspace):
    from outsignal_pipelines.operations.auth import admin_sign_in, session
    from outsignal_pipelines.operations.auth import _open_session  # a client session, without a mail server
    from outsignal_pipelines.operations.sign_in_links import now
    from outsignal_pipelines.store import transaction

    with transaction() as con:
        client = _open_session(con, "acme", "client@acme.example", now(), None)
    admin = admin_sign_in("test-admin-password")
    refused = runner.invoke(app, ["sign-ins", "revoke", "--json"])
    assert refused.exit_code == 1 and "--email" in one_json(refused)["error"]
    assert one_json(runner.invoke(app, ["sign-ins", "revoke", "-w", "acme", "--json"])) == {"sessions": 1, "links": 0}
    assert session(client) is None and session(admin).is_admin
    assert one_json(runner.invoke(app, ["sign-ins", "revoke", "--all", "--json"]))["sessions"] == 1
    assert session(admin) is None
