"""Commands of the intake stage (filled in by its issue)."""
