"""The catalogue site and the live preview."""
