"""Commands of the publish stage (filled in by its issue)."""
