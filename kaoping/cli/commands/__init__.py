"""Importing this package registers every command on `kaoping.cli.app`."""
from kaoping.cli.commands import adjust, catalog, cycle, intake, orchestration, publish, scoring, workspace  # noqa: F401
