"""Render: a validated leaflet merged into the templates, and its reading order."""
