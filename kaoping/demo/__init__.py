"""The demo city (filled in by the foundation issue)."""
