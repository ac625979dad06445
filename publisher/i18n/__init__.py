"""Languages and the labels the tool prints in them (gettext catalogues)."""
