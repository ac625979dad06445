"""Publish printable patient-information leaflets from YAML."""

__version__ = "0.2.0"
