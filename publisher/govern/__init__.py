"""Governance: the clinical and plain-language rules that `check` applies."""
