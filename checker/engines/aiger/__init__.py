"""The bit-level engine: a model as an AIGER circuit, checked by Berkeley ABC."""
