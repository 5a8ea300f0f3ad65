"""The command line: app and shared helpers (app.py), commands (commands/), entry point (main.py)."""
