"""Prefect flows and deployments of kaoping: they orchestrate the stage functions, nothing more.

Importing this package sets offline, quiet defaults for Prefect (before Prefect reads its
settings, which it does once at import): no telemetry, a start-up timeout for the ephemeral
API server that a loaded two-core machine can meet, and only warnings on the console so the
CLI's progress display stays readable (run logs still go to the Prefect API at INFO).
Anything already set in the environment wins.
"""
import os

PREFECT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING",
}

for _name, _value in PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
