"""Traces shown to people: the timeline, as text and as a self-contained HTML page."""
