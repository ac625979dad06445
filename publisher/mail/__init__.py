"""E-mail: a leaflet's files sent to patients."""
