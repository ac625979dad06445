"""The core: errors and diagnostics, today's date, caches, time limits, editions and safe file writing."""
