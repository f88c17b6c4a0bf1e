"""Importing must land every valid row, keep every invalid row with its reason, never overwrite
what we already know, and give a clear message for files that cannot be read at all."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from outsignal_pipelines.operations import NotFound
from outsignal_pipelines.operations.imports import ImportFileError, import_leads
from outsignal_pipelines.store import connect, query_df


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _people() -> dict[str, dict]:
    df = query_df("SELECT * FROM people")
    return {row["email"] or row["linkedin_url"] or row["last_name"]: row for row in df.to_dicts()}


def _rejects(path: str) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_messy_export_lands_valid_rows_and_explains_each_reject(workspace, messy_csv):
    result = import_leads(messy_csv, workspace, list_name="Messy")
    # 20 data rows: 1 blank, 2 duplicates (Jane twice, Emma twice), 4 rejected, 13 people... of which
    # the duplicates merge, leaving 12 distinct people.
    assert (result.inserted, result.updated, result.unchanged) == (12, 0, 0)
    assert result.rejected == 4 and result.blank_rows == 1 and result.duplicates_in_file == 2
    reasons = {r["line"]: r["reason"] for r in _rejects(result.rejects_file)}
    assert "spreadsheet formula" in reasons["6"]
    assert "not an email address" in reasons["7"] and "Work Email" in reasons["7"]
    assert "4 fields" in reasons["20"]
    assert "20,000 characters" in reasons["21"]
    # nothing from a rejected row is lost: the rejects file holds the whole row, formulas neutralised
    rejected = {r["line"]: r for r in _rejects(result.rejects_file)}
    assert rejected["7"]["Work Email"] == "alice@@broken"
    assert rejected["6"]["First Name"].startswith("'=HYPERLINK")
    assert len(rejected["21"]["Location"]) == 20_000

    people = _people()
    jane = people["jane.doe@acme-fintech.io"]
    assert jane["linkedin_url"] == "https://www.linkedin.com/in/janedoe"
    assert jane["company_domain"] == "acme-fintech.io" and jane["company_name"] == "Acme Fintech"
    assert jane["phone"] == "+442079460958" and jane["country"] == "GB" and jane["seniority"] == "C-Suite"
    assert people["priya@finstack.ai"]["phone"] == "+14155550134"
    assert people["sam.lee@ghost.example"]["phone"] is None          # "not a phone" left empty
    assert people["https://www.linkedin.com/in/rahul-mehta-123"]["email"] is None  # no email, kept by LinkedIn
    assert people["bobby@tables.example"]["first_name"] == "Robert'); DROP TABLE people;--"
    assert people["multi.line@example.org"]["job_title"] == "Head of Operations"
    assert people["li.wei@bank.cn"]["job_title"] == "首席技术官"
    assert people["tom@gmail.com"]["company_domain"] is None          # personal domain is not a company
    with connect() as con:
        members = con.execute("SELECT count(*) FROM target_list_members WHERE list_id = ?", [result.list_id]).fetchall()
        ws = con.execute("SELECT count(*) FROM person_workspaces WHERE workspace_slug = ?", [workspace]).fetchall()
    assert members == [(12,)] and ws == [(12,)]


def test_reimporting_the_same_file_changes_nothing(workspace, messy_csv):
    import_leads(messy_csv, workspace, list_name="Messy")
    before = query_df("SELECT * EXCLUDE (updated_at) FROM people ORDER BY id")
    again = import_leads(messy_csv, workspace, list_name="Messy")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 12)
    assert again.added_to_list == 0
    assert query_df("SELECT * EXCLUDE (updated_at) FROM people ORDER BY id").equals(before)


def test_a_richer_file_fills_only_empty_fields(workspace, tmp_path):
    header = ["Email", "First Name", "Last Name", "Title", "Company", "Website", "LinkedIn URL", "Phone"]
    _write(tmp_path / "a.csv", header, [
        ["ann@acme.io", "Ann", "Lee", "CTO", "Acme", "", "", ""],
        ["", "Bo", "Kim", "", "Beta", "beta.io", "linkedin.com/in/bokim", ""],
    ])
    import_leads(tmp_path / "a.csv", workspace)
    _write(tmp_path / "b.csv", header, [
        # a different title must NOT overwrite; the empty LinkedIn and phone are filled
        ["ann@acme.io", "Annie", "Lee", "Chief Executive", "Acme", "acme.io", "linkedin.com/in/annlee", "+1 415 555 0134"],
        # matched by LinkedIn; the missing email is filled
        ["bo@beta.io", "Bo", "Kim", "VP Sales", "Beta", "beta.io", "https://uk.linkedin.com/in/bokim", ""],
    ])
    result = import_leads(tmp_path / "b.csv", workspace)
    assert (result.inserted, result.updated, result.unchanged) == (0, 2, 0)
    people = _people()
    ann = people["ann@acme.io"]
    assert ann["first_name"] == "Ann" and ann["job_title"] == "CTO"
    assert ann["linkedin_url"] == "https://www.linkedin.com/in/annlee" and ann["phone"] == "+14155550134"
    bo = people["bo@beta.io"]
    assert bo["linkedin_url"] == "https://www.linkedin.com/in/bokim" and bo["job_title"] == "VP Sales"
    assert query_df("SELECT count(*) AS n FROM people")["n"][0] == 2


def test_people_without_email_or_linkedin_match_on_name_and_company_domain(workspace, tmp_path):
    header = ["First Name", "Last Name", "Company Domain", "Title"]
    _write(tmp_path / "a.csv", header, [["Zoë", "Ångström", "nordic-ledger.se", ""]])
    _write(tmp_path / "b.csv", header, [["ZOE", "angstrom", "https://www.nordic-ledger.se", "Head of Data"]])
    import_leads(tmp_path / "a.csv", workspace)
    result = import_leads(tmp_path / "b.csv", workspace)
    assert (result.inserted, result.updated) == (0, 1)
    assert query_df("SELECT job_title FROM people")["job_title"].to_list() == ["Head of Data"]


@pytest.mark.parametrize("header, row, field", [
    (["Email", "First Name", "Last Name", "Title", "Company Name for Emails", "Website", "Person Linkedin Url",
      "City", "State", "Country", "# Employees", "Industry"],                                   # Apollo
     ["ann@acme.io", "Ann", "Lee", "CTO", "Acme", "http://www.acme.io", "http://www.linkedin.com/in/annlee",
      "Austin", "Texas", "United States", "120", "B2B SaaS"], "apollo"),
    (["first_name", "last_name", "email", "title", "company"],                                  # EmailBison
     ["Ann", "Lee", "ann@acme.io", "CTO", "Acme"], "emailbison"),
    (["Full Name", "Work Email", "Job Title", "Company Domain", "LinkedIn Profile"],             # Clay
     ["Ann Lee", "ann@acme.io", "CTO", "acme.io", "linkedin.com/in/annlee"], "clay"),
])
def test_headers_of_common_exports_map_automatically(workspace, tmp_path, header, row, field):
    result = import_leads(_write(tmp_path / f"{field}.csv", header, [row]), workspace)
    assert result.inserted == 1 and result.rejected == 0
    person = _people()["ann@acme.io"]
    assert (person["first_name"], person["last_name"], person["job_title"]) == ("Ann", "Lee", "CTO")
    if field == "apollo":
        assert person["company_domain"] == "acme.io" and person["country"] == "US"
        company = query_df("SELECT * FROM companies").to_dicts()[0]
        assert company["headcount"] == 120 and company["industry"] == "B2B SaaS"


def test_sales_navigator_export_without_email_imports_by_linkedin(workspace, tmp_path):
    path = _write(tmp_path / "salesnav.csv", ["First Name", "Last Name", "Title", "Company", "Profile URL"],
                  [["Ann", "Lee", "CTO", "Acme", "https://www.linkedin.com/in/annlee"]])
    result = import_leads(path, workspace)
    assert result.inserted == 1
    assert any("no email column" in w for w in result.warnings)


def test_semicolon_delimited_and_cp1252_files_are_read(workspace, tmp_path):
    path = _write(tmp_path / "excel.csv", ["Email", "First Name", "Last Name"], [["jose@acme.io", "José", "Núñez"]],
                  encoding="cp1252", delimiter=";")
    result = import_leads(path, workspace)
    assert result.inserted == 1 and result.encoding == "cp1252"
    assert any("not UTF-8" in w for w in result.warnings)
    assert _people()["jose@acme.io"]["first_name"] == "José"


def test_a_five_megabyte_cell_rejects_only_its_row(workspace, tmp_path):
    path = _write(tmp_path / "big.csv", ["Email", "First Name", "Notes"],
                  [["big@acme.io", "Big", "x" * 5_000_000], ["ok@acme.io", "Ok", "fine"]])
    result = import_leads(path, workspace)
    assert (result.inserted, result.rejected) == (1, 1)
    assert "5,000,000 characters" in _rejects(result.rejects_file)[0]["reason"]


def test_rows_with_nothing_to_identify_a_person_are_rejected(workspace, tmp_path):
    path = _write(tmp_path / "anon.csv", ["Email", "First Name", "Title"], [["", "Nobody", "CTO"]])
    result = import_leads(path, workspace)
    assert result.rejected == 1 and "identify" in _rejects(result.rejects_file)[0]["reason"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x01\x02binary\x00" * 50, "binary"),
    (b"Name,Title\nAnn,CTO\n", "no email column"),
])
def test_unreadable_files_get_a_clear_message_and_change_nothing(workspace, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        import_leads(path, workspace)
    assert query_df("SELECT count(*) AS n FROM people")["n"][0] == 0


def test_header_only_file_imports_nothing_and_says_so(workspace, tmp_path):
    result = import_leads(_write(tmp_path / "h.csv", ["Email"], []), workspace)
    assert result.inserted == 0 and any("no data rows" in w for w in result.warnings)


def test_unknown_workspace_is_refused_before_any_work(store, messy_csv):
    with pytest.raises(NotFound, match="unknown workspace 'nope'"):
        import_leads(messy_csv, "nope")


def test_injection_strings_in_list_names_are_plain_names(workspace, messy_csv):
    name = "Q1'); DROP TABLE people;--"
    result = import_leads(messy_csv, workspace, list_name=name)
    rows = query_df("SELECT id, name FROM target_lists").to_dicts()
    assert rows == [{"id": result.list_id, "name": name}]
    assert query_df("SELECT count(*) AS n FROM people")["n"][0] == 12


def test_apollo_industry_becomes_a_vertical_and_the_company_industry(workspace, tmp_path):
    """An Apollo export's Industry column used to be matched exactly against the vocabulary: every
    row got vertical None and its company a null industry, so vertical filters and ICP scoring missed them."""
    path = _write(tmp_path / "apollo.csv",
                  ["First Name", "Last Name", "Title", "Email", "Company", "Website", "Industry"],
                  [["Ana", "Ruiz", "Sr. Mgr, Ops", "ana@bytecraft.io", "Bytecraft", "bytecraft.io", "Computer Software"],
                   ["Ben", "Cole", "CTO", "ben@ledgerly.com", "Ledgerly", "ledgerly.com", "Financial Services"],
                   ["Cy", "Dunn", "Wizard of Light", "cy@oddco.com", "OddCo", "oddco.com", "Widget Whittling"]])
    result = import_leads(path, workspace)
    people = _people()
    assert people["ana@bytecraft.io"]["vertical"] == "B2B SaaS"
    assert people["ana@bytecraft.io"]["seniority"] == "Manager"  # was "Senior IC"
    assert people["ben@ledgerly.com"]["vertical"] == "Accounting & Finance"
    industries = dict(query_df("SELECT domain, industry FROM companies").iter_rows())
    assert industries["bytecraft.io"] == "B2B SaaS" and industries["ledgerly.com"] == "Accounting & Finance"
    assert industries["oddco.com"] is None and people["cy@oddco.com"]["vertical"] is None
    # The report counts what could not be mapped, with the label, instead of dropping it silently.
    assert result.industries_unmapped == 1 and result.titles_unmapped == 1
    assert any("Widget Whittling" in w for w in result.warnings)
    assert any("Wizard of Light" in w for w in result.warnings)


EVIL_CELLS = [
    "+cmd|' /C calc'!A0",                        # DDE, no parentheses
    "-2+3+cmd|' /C calc'!A0",                    # arithmetic in front of DDE
    "\t=HYPERLINK(\"http://evil.example\",\"x\")",  # behind a tab
    "\u200b=HYPERLINK(\"http://evil.example\")",    # behind a zero-width space
    "\x07=1+1",                                     # behind a control character
    "\ufeff@SUM(A1:A2)",                            # behind a BOM
]


def _inert(cell: str) -> bool:
    """A cell a spreadsheet shows rather than runs: its first visible character is no formula trigger."""
    from outsignal_pipelines.domain.untrusted_text import _visible_start

    return not cell or (cell[0] not in "\t\r\n" and _visible_start(cell)[:1] not in "=+-@") or cell[0] == "'"


@pytest.mark.parametrize("evil", EVIL_CELLS)
def test_formulas_behind_invisible_characters_are_neither_stored_nor_written_live(workspace, tmp_path, evil):
    header = ["Email", "First Name", "Last Name", "Title", "Company", '=HYPERLINK("http://evil.example","col")']
    rows = [["ok@acme.example", "Ok", "Person", "CTO", "Acme", "x"],
            ["evil@acme.example", "Eve", "Hacker", evil, "Acme", "x"],
            ["comp@acme.example", "Co", "Mpany", "CTO", ", =HYPERLINK(\"http://evil.example\")", "x"]]
    result = import_leads(_write(tmp_path / "evil.csv", header, rows), workspace)
    stored = query_df("SELECT * FROM people")
    assert stored["email"].to_list() == ["ok@acme.example"]  # both hostile rows are refused, with reasons
    from outsignal_pipelines.domain.untrusted_text import is_spreadsheet_formula

    for value in [v for column in stored.columns for v in stored[column].to_list() if isinstance(v, str)]:
        assert not is_spreadsheet_formula(value)
    with open(result.rejects_file, newline="", encoding="utf-8") as handle:
        written = list(csv.reader(handle))
    assert written[0][-1] == "'" + header[-1]          # the client's column name is written inert too
    assert {r[0] for r in written[1:]} == {"3", "4"}
    assert "Title contains a spreadsheet formula" in written[1][1]
    assert "company name would be stored as a spreadsheet formula" in written[2][1]
    assert all(_inert(cell) for row in written for cell in row), written
