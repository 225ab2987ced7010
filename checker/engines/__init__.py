"""Engines: each takes an `ir.Model` and returns verdicts per property (`verdict.py`)."""
