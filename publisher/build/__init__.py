"""Build: plan the catalogue, render in parallel, keep the manifest and archive, report."""
