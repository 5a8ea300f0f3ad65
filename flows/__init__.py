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


class _RunFailures:
    """A console filter dropping the engine's reports of a failed flow or task run (a traceback
    each): the CLI ends the command with its own line, or the traceback, and the run's logs on
    the Prefect API keep them."""

    @staticmethod
    def filter(record) -> bool:
        return not (record.levelno >= 40 and record.name.startswith(("prefect.flow_runs", "prefect.task_runs")))


def quiet_failures() -> None:
    """Run failures and the exit's event-queue notes off the console (call once Prefect is imported)."""
    import logging

    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and _RunFailures not in handler.filters:
            handler.addFilter(_RunFailures)
    # at exit Prefect drains its event queue to the API and says "Still processing items" every
    # 4 s until it is empty: a progress note on a busy machine, not a problem, and it broke the
    # one-line promise of an error exit; the events still reach the API
    logging.getLogger("EventsWorker").setLevel(logging.ERROR)
