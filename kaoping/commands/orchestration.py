"""Commands of the orchestration stage (filled in by its issue)."""
