"""Reading a literate spec: find the ```mdcheck blocks with a real Markdown parser.

Each block keeps the line of the `.md` file its first line sits on, so every later
stage can point at the line a person wrote.
"""
from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

MODEL_FENCE = "mdcheck"


@dataclass(frozen=True, order=True)
class Span:
    """A region of a spec file; lines and columns are 1-based, end is exclusive."""
    path: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class ModelBlock:
    path: str
    first_line: int  # 1-based line in the .md file of the block's first content line
    text: str
    indent: int = 0  # columns Markdown stripped from each line (a fence inside a list item)
    prose: str = ""  # the paragraph just before the block, as plain text (a configuration's description)


@dataclass(frozen=True)
class SpecDocument:
    path: str
    text: str
    blocks: tuple[ModelBlock, ...]

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(self.text.splitlines())


def extract_blocks(path: str, text: str) -> SpecDocument:
    """The fenced ```mdcheck blocks of a Markdown text, in order."""
    tokens = MarkdownIt("commonmark").parse(text)
    source_lines = text.splitlines()
    blocks = []
    paragraph = ""
    for previous, token in zip([None, *tokens], tokens):
        if token.type == "inline" and previous is not None and previous.type == "paragraph_open":
            paragraph = "".join(c.content if c.type in ("text", "code_inline") else " " if c.type.endswith("break")
                                else "" for c in token.children or ())
        elif token.type == "heading_open":
            paragraph = ""
        if token.type != "fence" or token.map is None:
            continue
        info = token.info.strip().split()
        if not info or info[0] != MODEL_FENCE:
            continue
        first = token.map[0] + 1
        blocks.append(ModelBlock(path, first + 1, token.content,
                                 _stripped_indent(source_lines, first, token.content), paragraph))
        paragraph = ""
    return SpecDocument(path, text, tuple(blocks))


def _stripped_indent(source_lines: list[str], first: int, content: str) -> int:
    """How many columns the Markdown parser removed from the block's lines."""
    for offset, line in enumerate(content.splitlines()):
        if line.strip() and first + offset < len(source_lines):
            original = source_lines[first + offset]
            if original.endswith(line):
                return len(original) - len(line)
            return 0
    return 0
