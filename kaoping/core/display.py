"""Showing text that came from outside (cells, sheet and file names, mail, stored problem messages).

Every printer goes through here. On the console such text never enters rich markup: it becomes
`rich.text.Text`, which rich neither parses for `[tags]` nor for `:emoji:` codes; in Markdown
(Prefect artifacts) every mark Markdown acts on inside a line is backslash-escaped. Before either, `clean`
takes out what must not reach a terminal or a one-line message: escape sequences and other
control characters, bidi overrides that reorder a file name, line breaks, unpaired surrogates
(from file names that were not UTF-8).
"""
from __future__ import annotations

import re

from rich.text import Text

# CSI (ESC [ … final byte) and OSC / DCS / APC / PM strings (ESC ] … BEL or ESC \), then any
# other ESC pair; what is left of a control character after that is removed one by one
_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?"
                              r"|\x1b[]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")
_BREAKS = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]+")
# C0, DEL, C1; bidi embeddings, overrides and isolates, LRM/RLM/ALM
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# what Markdown acts on inside a line: emphasis, code, links and images, HTML and entities, table cells
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]()<>&!|])")


def clean(text: object) -> str:
    """Outside text as it may be shown: no control or bidi characters, line breaks as one space."""
    s = "" if text is None else str(text)
    s = _ESCAPE_SEQUENCE.sub("", s)
    s = _BREAKS.sub(" ", s)
    s = _CONTROLS.sub("", s)
    return _SURROGATES.sub("\ufffd", s)


def cell(text: object, style: str = "") -> Text:
    """A table cell (or title) showing outside text literally."""
    return Text(clean(text), style=style)


def line(*parts: object) -> Text:
    """A console line: each part is shown literally; a `(text, style)` pair is shown in that style."""
    out = Text()
    for part in parts:
        text, style = part if isinstance(part, tuple) else (part, "")
        out.append(clean(text), style=style or None)
    return out


def markdown(text: object) -> str:
    """Outside text to put inside a Markdown line (a Prefect artifact): shown literally, in a table cell too."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", clean(text))
