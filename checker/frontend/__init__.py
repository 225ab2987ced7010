"""Markdown to checked syntax: fenced blocks, grammar, parser, AST, imports, diagnostics."""
