"""Outputs: every format a leaflet is published in, each a module that registers itself."""
