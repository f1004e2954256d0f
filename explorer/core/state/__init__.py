"""Application state: events and the workspace (what is loaded, selected, shown)."""
