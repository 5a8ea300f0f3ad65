"""Great Expectations Data Docs that work on a closed network (SPEC §6; 平安办 networks are offline).

GX's pages load bootstrap, jQuery, font-awesome and vega from CDNs, and its index page is drawn by
bootstrap-table in the browser: offline it is empty. After GX builds the site, every page loses its
remote tags and links a local stylesheet instead, and the index is rewritten as a plain HTML table
naming each validation's files and departments (GX shows "__none__" and "Data asset: None")."""
from __future__ import annotations

import html
import re
from urllib.parse import quote
from dataclasses import dataclass
from pathlib import Path

from kaoping.sources import messages as M

_REMOTE_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', re.I)
_REMOTE_LINK = re.compile(r'<link[^>]*\bhref="https?://[^"]*"[^>]*/?>', re.I)
_REMOTE_SRC = re.compile(r'\b(src|href)="https?://[^"]*"', re.I)
_REMOTE_URL = re.compile(r"url\((['\"]?)https?://[^)]*\)", re.I)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
STYLESHEET = "static/styles/kaoping_offline.css"
RUN_NAME_CHARS = 120
CSS = """\
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "SimSun", sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #999; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #d9e1f2; }
.text-success { color: #1e7b34; } .text-danger { color: #c00000; }
.collapse:not(.show) { display: block; }
.d-none, .fas, .fa, .far { display: none; }
.card, .container-fluid, .row, .col-12 { display: block; margin: .3em 0; }
nav, .navbar { border-bottom: 1px solid #ccc; padding-bottom: .3em; margin-bottom: 1em; }
code, pre { font-family: monospace; background: #f4f4f4; padding: 0 .2em; }
"""


@dataclass(frozen=True)
class DocsEntry:
    """One GX validation: its run name (the folder GX writes it under), what it covered, its outcome."""

    run_name: str
    label: str
    success: bool


def run_label(files: list[tuple[str, str | None]]) -> str:
    """文件「a.xlsx」（部门 GA）、…: what one GX run validated, for its pages."""
    return "、".join(M.DOCS_FILE.format(file=f, department=d or M.DOCS_UNKNOWN) for f, d in files)


def run_name(label: str, stamp: str) -> str:
    """A run name usable as GX's folder name: the label, bounded, made safe, and unique by `stamp`."""
    short = _UNSAFE.sub("_", label)
    if len(short) > RUN_NAME_CHARS:
        short = short[:RUN_NAME_CHARS] + "…"
    return f"{short}_{stamp}"


def _offline(text: str, depth: int) -> str:
    """A page without remote scripts, stylesheets or images, linking the local stylesheet."""
    text = _REMOTE_LINK.sub("", _REMOTE_SCRIPT.sub("", text))
    text = _REMOTE_URL.sub("none", _REMOTE_SRC.sub(lambda m: f'{m.group(1)}="#"', text))
    link = f'<link rel="stylesheet" href="{"../" * depth}{STYLESHEET}">'
    return text.replace("</head>", f"{link}\n</head>", 1)


def _index(folder: Path, entries: list[DocsEntry]) -> str:
    """The site's index as plain HTML: the suite, then one row per validation with its files."""
    rows = []
    for entry in entries:
        pages = sorted(folder.glob(f"validations/**/{glob_escape(entry.run_name)}/**/*.html"))
        links = " ".join(f'<a href="{quote(p.relative_to(folder).as_posix())}">{M.DOCS_OPEN}</a>'
                         for p in pages)
        status = M.DOCS_PASSED if entry.success else M.DOCS_FAILED
        css = "text-success" if entry.success else "text-danger"
        rows.append(f'<tr><td>{html.escape(entry.label)}</td><td class="{css}">{status}</td><td>{links}</td></tr>')
    suites = " ".join(f'<a href="{quote(p.relative_to(folder).as_posix())}">{html.escape(p.stem)}</a>'
                      for p in sorted(folder.glob("expectations/**/*.html")))
    head = "".join(f"<th>{h}</th>" for h in M.DOCS_HEADERS)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{M.DOCS_TITLE}</title>'
            f'<link rel="stylesheet" href="{STYLESHEET}"></head><body><h1>{M.DOCS_TITLE}</h1>'
            f'<p>{M.DOCS_SUITES}{suites}</p><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f'</tbody></table></body></html>\n')


def glob_escape(text: str) -> str:
    """`text` matched literally by Path.glob."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def make_offline(folder: Path, entries: list[DocsEntry]) -> Path:
    """Rewrite a built Data Docs site to work offline; returns its index page."""
    (folder / STYLESHEET).parent.mkdir(parents=True, exist_ok=True)
    (folder / STYLESHEET).write_text(CSS, encoding="utf-8")
    for page in folder.rglob("*.html"):
        depth = len(page.relative_to(folder).parts) - 1
        page.write_text(_offline(page.read_text(encoding="utf-8"), depth), encoding="utf-8")
    index = folder / "index.html"
    index.write_text(_index(folder, entries), encoding="utf-8")
    return index
