"""The client portal must look like a product the agency can show a client: the agency's and the
workspace's names, columns in words, no `None` cells, the fit bars in band order, Material icons (the
emoji fonts are missing on many machines, so emoji render as boxes) and no Streamlit toolbar."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pyarrow as pa

from outsignal_pipelines.domain.icp_rules import BAND_RANGES
from tests.streamlit_portal.test_pages import _app, _magic_token, _portal_ready

PORTAL_ROOT = Path(__file__).resolve().parents[2]


def _signed_in_portal():
    _portal_ready()
    at = _app(admin=False)
    at.query_params["token"] = _magic_token("client@rise.example")
    return at.switch_page("app_pages/portal.py").run()


def test_the_portal_names_the_agency_and_the_workspace_and_reads_like_a_product(seeded_store, mail_and_slack,
                                                                                monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_AGENCY_NAME", "Northwind Outreach")
    at = _signed_in_portal()
    assert not at.exception
    assert "Rise" in at.title[0].value                                      # the workspace's name
    assert "Northwind Outreach" in at.caption[0].value                      # the agency's name
    [top] = [df.value for df in at.dataframe if "Job title" in df.value.columns]
    assert list(top.columns) == ["Name", "Job title", "Company", "Fit score", "Why this score"]
    assert not top.isna().any().any() and "None" not in top.astype(str).to_numpy()
    # Sending to review scores the list on the way: every cell is a score or says why there is none.
    assert all(v == "Not scored" or 0 <= int(v) <= 100 for v in top["Fit score"])

    chart = at.get("vega_lite_chart")[0].proto
    assert json.loads(chart.spec)["encoding"]["x"]["sort"] is None          # bars in the data's order...
    bars = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pydict()
    assert list(bars["Fit"]) == list(BAND_RANGES.values()) == ["≥70", "40–69", "<40", "unscored"]  # ...best first


def test_the_sign_in_page_names_the_agency(store, monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_AGENCY_NAME", "Northwind Outreach")
    at = _app(admin=False).switch_page("app_pages/portal.py").run()
    assert not at.exception and at.title[0].value == "Client portal"
    assert "Northwind Outreach" in at.caption[0].value


def test_no_emoji_in_the_pages(tmp_path):
    """Every icon is a Streamlit Material icon (":material/...:"): no pictographs anywhere in the app."""
    allowed = {"⌘"}  # the Command-key sign of the ⌘J shortcut is text, in every font we ship
    found = []
    for path in sorted((PORTAL_ROOT / "streamlit_portal").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [(path.name, number, c) for c in line
                      if c not in allowed and (unicodedata.category(c) == "So" or c == "\ufe0f")]
    assert not found


def test_streamlit_starts_without_a_toolbar_or_error_details():
    from outsignal_pipelines.cli.runner import ServeConfig, streamlit_command

    command = streamlit_command(ServeConfig())
    flags = dict(zip(command[3::2], command[4::2]))
    assert flags["--client.toolbarMode"] == "minimal" and flags["--client.showErrorDetails"] == "none"
    config = (PORTAL_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'toolbarMode = "minimal"' in config and 'showErrorDetails = "none"' in config


def test_streamlit_does_not_collect_all_garbage_after_every_click():
    """Streamlit's full collection after each run was ~250 ms of every click (benchmarks/pages.py)."""
    from outsignal_pipelines.cli.runner import ServeConfig, streamlit_command

    command = streamlit_command(ServeConfig())
    flags = dict(zip(command[3::2], command[4::2]))
    assert flags["--runner.postScriptGC"] == "false"
    config = (PORTAL_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "postScriptGC = false" in config
