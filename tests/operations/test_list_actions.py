"""What the Lists page's buttons rely on beyond the run path: a list is not deleted from under a run,
and a file uploaded in the browser is imported like a file given to the CLI."""

from __future__ import annotations

import pytest

from outsignal_pipelines.operations import OperationError
from outsignal_pipelines.operations.imports import import_upload
from outsignal_pipelines.operations.lists import create_list, delete_list, list_lists, resolve_list
from outsignal_pipelines.operations.run_requests import fail, request_run


def test_a_list_with_a_run_in_progress_is_not_deleted(workspace):
    target, _ = create_list(workspace, "Busy")
    request = request_run(workspace, "score", target=resolve_list(workspace, "Busy"), requested_by="page")
    with pytest.raises(OperationError, match="score run in progress"):
        delete_list(workspace, "Busy")
    assert [t.name for t in list_lists(workspace)] == ["Busy"]
    fail(request.id, "stopped for the test")   # the run ends: the list can go
    assert delete_list(workspace, "Busy") == 0
    assert list_lists(workspace) == []


def test_an_uploaded_file_is_imported_into_the_workspace_and_list(workspace, db_path):
    data = ("First Name,Last Name,Email,Title,Company,Industry\n"
            "Ana,Ruiz,ana@bytecraft.io,Sr. Mgr, Ops,Bytecraft,Computer Software\n").encode()
    bad = import_upload(data, "../../etc/apollo export.csv", workspace, list_name="Uploaded")
    assert bad.rejected == 1  # the unquoted comma in the title: one field too many, kept with its reason
    good = ("First Name,Last Name,Email,Title,Company,Industry\n"
            'Ana,Ruiz,ana@bytecraft.io,"Sr. Mgr, Ops",Bytecraft,Computer Software\n').encode()
    result = import_upload(good, "../../etc/apollo export.csv", workspace, list_name="Uploaded")
    assert (result.inserted, result.added_to_list, result.industries_unmapped) == (1, 1, 0)
    uploads = list((db_path.parent / "uploads").iterdir())
    assert len(uploads) == 2 and all(p.name.endswith("apollo_export.csv") for p in uploads)  # no path escape
