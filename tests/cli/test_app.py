"""The console script is assembled from one module per group: every group must reach `outsignal --help`."""

from __future__ import annotations

from tests.cli.helpers import app, runner

COMMANDS = ("init", "seed-demo", "import", "workspaces", "sign-ins", "search", "lists", "enrich", "score", "export", "deploy",
            "review", "chat", "mcp", "sandbox", "demo", "serve")


def test_help_lists_every_command_group():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stdout
    listed = {line.strip("│ ").split(" ")[0] for line in result.stdout.splitlines()}
    assert set(COMMANDS) <= listed


def test_the_console_script_points_at_the_package_app():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "outsignal"]
    assert script.load() is app
