"""Prefect flows and deployments of kaoping: they orchestrate the stage functions, nothing more.

Importing this package sets offline defaults for Prefect before Prefect reads its settings
(which it does once, at import): no telemetry, and a start-up timeout for the ephemeral API
server that a busy two-core machine can meet. Anything already set in the environment wins.
"""
import os

PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}

for _name, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)


def quiet_console() -> None:
    """Only warnings from Prefect on the console, for commands that show a progress display.

    Run logs still reach the Prefect API at INFO. Takes effect only before Prefect is imported.
    """
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
