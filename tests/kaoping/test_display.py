"""Outside text on the console and in Markdown (kaoping/display.py): shown literally, never obeyed."""
from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings, strategies as st
from markdown_it import MarkdownIt
from rich.console import Console
from rich.table import Table

from kaoping.core.display import cell, clean, line, markdown

HOSTILE = ["[/red]", "[bold red]x[/]", "公安局_2025Q3[reverse].csv", "[link=file:///etc/passwd]点我[/link]",
           ":thumbs_up: :smile:", "a\\", "\\[red]", "\\\\[/]", "[@click=app.quit]x[/]", "[#ff0000 on red]",
           "*粗* _斜_ `code` <script>alert(1)</script> &amp; | 管 | ![i](http://127.0.0.1:9/x.png)"]


def shown(renderable, width: int = 400) -> str:
    """What a terminal would receive, as plain text (styles kept out of it)."""
    console = Console(width=width, record=True, file=open("/dev/null", "w"), color_system=None)
    console.print(renderable, highlight=False, soft_wrap=True)
    return console.export_text()


@pytest.mark.parametrize("text", HOSTILE)
def test_markup_and_emoji_codes_are_shown_literally(text):
    assert shown(line(("退回", "red"), " ", text, (text, "bold"))) == f"退回 {text}{text}\n"
    table = Table("file", "value")
    table.add_row(cell(text), cell(text, "red"))
    assert shown(table).count(text) == 2


@pytest.mark.parametrize("raw, expected", [
    ("公安局\x1b[31m_2025Q3\x1b[0m.csv", "公安局_2025Q3.csv"),
    ("x\x1b]0;owned\x07y", "xy"),                       # OSC: sets the terminal's title
    ("x\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\y", "xlinky"),  # OSC 8 hyperlink
    ("\x9b2Jx", "x"), ("a\x1bcb", "ab"), ("bell\x07\x08\x00", "bell"),
    ("报表\u202egpj.exe", "报表gpj.exe"), ("a\u2066b\u2069\u200fc", "abc"),
    ("第一行\n第二行\r\n第三\t行", "第一行 第二行 第三 行"), ("non-utf8 \udcb9\udcab.csv", "non-utf8 \ufffd\ufffd.csv"),
    (None, ""), (12.5, "12.5"),
])
def test_clean_removes_what_must_not_reach_a_terminal(raw, expected):
    assert clean(raw) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
       | st.sampled_from(HOSTILE).flatmap(lambda h: st.text(max_size=5).map(lambda t: h + t)))
def test_any_text_prints_as_its_clean_self(text):
    expected = clean(text)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", expected)
    out = shown(line(("错误", "red"), "|", text, "|", (text, "bold")))
    assert out == f"错误|{expected}|{expected}\n"


def _rendered_text(md: str) -> str:
    """The text a Markdown viewer would show (tags dropped, entities resolved)."""
    return html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt("commonmark").enable("table").render(md))).strip()


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
       | st.sampled_from(HOSTILE))
def test_markdown_shows_any_text_literally_in_a_table_cell_too(text):
    assert _rendered_text(f"前 {markdown(text)} 后") == f"前 {clean(text)} 后"
    rendered = MarkdownIt("commonmark").enable("table").render(f"| a | b |\n| --- | --- |\n| {markdown(text)} | x |")
    assert rendered.count("<td>") == 2 and "<script" not in rendered and "<img" not in rendered
