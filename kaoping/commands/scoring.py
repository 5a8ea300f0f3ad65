"""Commands of the scoring stage (filled in by its issue)."""
