"""Engines on Z3 terms: encoder, unrolled steps, BMC, k-induction, IC3/PDR, coverage, the proof strategy."""
