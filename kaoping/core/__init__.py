"""The ground floor: configuration, fault points, the workspace layout, text display; imports nothing of kaoping."""
