"""Models checked against the compiler: `mdcheck layout-check`.

Input: the C names a spec gives its layouts, views and constants (`typecheck.c_bindings`)
and what a compiler said about the same types: BTF (`btf`), DWARF (`dwarf`, with
pyelftools) or a snapshot of either (`ctypes.Catalogue` as JSON). Output: one row per
field, size and constant (`compare`), printed as a table or JSON. No z3 here.
"""
