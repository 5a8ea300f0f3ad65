"""The stages: drivers that call the pure layers and the I/O edges in order (intake, scoring,
publishing, distribution), with the resources they share."""
