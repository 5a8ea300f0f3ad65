"""Importing this package registers every command on `kaoping.cli.app`."""
from kaoping.commands import workspace  # noqa: F401
