"""The 通报 as a Word document (python-docx), laid out as a 公文 after GB/T 9704-2012.

A4 with the standard margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), 发文机关标志 in
red, the 文号 and a red rule under it, the title in 2号 bold 宋体 (for 小标宋), body in 3号 仿宋 at a
fixed 28 pt line (22 lines a page), 一级标题 in 黑体, tables in 5号, page numbers `— n —` in 4号
宋体 (odd pages right, even pages left), and the annex table on a landscape page.

Fonts are named for Word and WPS (仿宋, 黑体, 宋体), east-asian names set on every run (w:eastAsia)
and the language zh-CN, so an office PC shows the document as drafted. LibreOffice on a machine
without those fonts substitutes through fontconfig: `fonts.conf` beside this module maps them to
Noto Serif / Sans CJK SC (docs/bulletin.md). What the document says comes from bulletin_data.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree
from PIL import Image

from kaoping.reports import texts
from kaoping.reports.bulletin_charts import PAGE_UNITS, cjk_font, heatmap_chart, totals_chart
from kaoping.reports.bulletin_data import BulletinContent, Section, Table

FANGSONG, HEITI, SONGTI, KAITI = "仿宋", "黑体", "宋体", "楷体"
RED = RGBColor(0xE6, 0x00, 0x12)
BODY_PT, TITLE_PT, TABLE_PT, PAGE_PT = 16, 22, 10.5, 14
LINE_PT = 28  # fixed line pitch of the body: 22 lines in the 225 mm text block
TEXT_WIDTH_MM = 156
FONTS_CONF = Path(__file__).with_name("fonts.conf")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
ROWS_MARK = "kaoping-rows-{}"  # an XML comment where a table's later rows go
_MARKS = re.compile(rb"<!--kaoping-rows-(\d+)-->")
_NAMESPACES = re.compile(rb'\s+xmlns(?::[\w.-]+)?="[^"]*"')
_PLACEHOLDER = "KAOPING_CELL_TEXT"


def set_font(run, name: str, size: float | None = None, bold: bool = False, color: RGBColor | None = None) -> None:
    """A run's font for Latin and east-asian text alike (python-docx sets only the Latin slots)."""
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color


def _base_styles(doc) -> None:
    """Normal: 3号 仿宋, fixed 28 pt lines, justified, language zh-CN (glyph forms and line breaking)."""
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FANGSONG, Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False


def _page(section, landscape: bool = False) -> None:
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    if landscape:
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
            Mm(28), Mm(26), Mm(37), Mm(35))
    else:
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
            Mm(37), Mm(35), Mm(28), Mm(26))
    section.footer_distance = Mm(20)


def _page_number(paragraph) -> None:
    """`— n —` with a PAGE field (python-docx has no field API: the three field-code elements)."""
    left, right = texts.PAGE_DASH.split("{page}")
    set_font(paragraph.add_run(left), SONGTI, PAGE_PT)
    run = paragraph.add_run()
    set_font(run, SONGTI, PAGE_PT)
    for kind, code in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif code == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = code
        run._element.append(element)
    set_font(paragraph.add_run(right), SONGTI, PAGE_PT)


def _footers(doc, section) -> None:
    """Odd pages: number at the right; even pages: at the left (GB/T 9704 7.5), one character in."""
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer,
                                                                        WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        p.alignment = align
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(PAGE_PT)
        _page_number(p)


def _paragraph(doc, text: str = "", font: str = FANGSONG, size: float = BODY_PT, bold: bool = False,
               align=None, indent_chars: float = 2, color: RGBColor | None = None):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent_chars:
        p.paragraph_format.first_line_indent = Pt(size * indent_chars)
    if text:
        set_font(p.add_run(text), font, size, bold, color)
    return p


def _single(p, before: float = 0, after: float = 0):
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.first_line_indent = None
    return p


def _red_rule(doc) -> None:
    """The red separator under the 文号: a picture of a rule (python-docx draws no paragraph borders)."""
    width, height = 1560, 6
    out = io.BytesIO()
    Image.new("RGB", (width, height), (RED[0], RED[1], RED[2])).save(out, format="PNG")
    p = _single(doc.add_paragraph(), before=6, after=12)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(out.getvalue()), width=Mm(TEXT_WIDTH_MM), height=Mm(0.6))


def _head(doc, c: BulletinContent) -> None:
    """发文机关标志, 文号, red rule, title, 主送机关."""
    size = max(22, min(36, 0.9 * TEXT_WIDTH_MM / 0.3528 / max(len(c.office), 1)))
    mark = _single(_paragraph(doc, c.office, SONGTI, size, True, WD_ALIGN_PARAGRAPH.CENTER, 0, RED), before=24)
    mark.paragraph_format.space_after = Pt(24)
    _paragraph(doc, c.doc_number, align=WD_ALIGN_PARAGRAPH.CENTER, indent_chars=0)
    _red_rule(doc)
    title = _paragraph(doc, c.title, SONGTI, TITLE_PT, True, WD_ALIGN_PARAGRAPH.CENTER, 0)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(LINE_PT)
    _paragraph(doc, c.addressee, indent_chars=0)
    _paragraph(doc, c.opening)


def _cell(cell, text: str, header: bool, align) -> None:
    p = cell.paragraphs[0]
    _single(p, 1, 1)
    p.alignment = align
    set_font(p.add_run(text), HEITI if header else FANGSONG, TABLE_PT)


def _align(value: str):
    numeric = value.replace(".", "", 1).lstrip("-").isdigit() and "." in value
    return WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.CENTER


def _set_text(run, value: str) -> None:
    """A copied run's text replaced, as Run.text would write it; plain text without its parsing."""
    if not value.isprintable():  # tabs, line breaks: python-docx turns them into elements
        run.text = value
        return
    for child in run[1:]:  # all but the run's w:rPr, which comes first
        run.remove(child)
    if value:
        run.add_t(value)


def table(doc, t: Table, widths_mm: list[float], later: list) -> None:
    """A bordered table, header in 黑体, numbers right-aligned, text centred; widths in mm.

    Rows after the first body row are not built in the document: a mark stands in their place and
    `later` receives the XML of each (`_row_xml`), which `_package` writes where the mark is."""
    grid = doc.add_table(rows=1 + min(len(t.rows), 1), cols=len(t.headers))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    rows = [row.cells for row in grid.rows]
    for cell, header in zip(rows[0], t.headers):
        _cell(cell, header, True, WD_ALIGN_PARAGRAPH.CENTER)
    for cells, row in zip(rows[1:], t.rows[:1]):
        for cell, value in zip(cells, row):
            _cell(cell, value, False, _align(value))
    for column, width in zip(grid.columns, widths_mm):
        column.width = Mm(width)  # the table grid, which LibreOffice lays out by
    for cells in rows:
        for cell, width in zip(cells, widths_mm):
            cell.width = Mm(width)  # and each cell's own width, which Word and WPS use
    if len(t.rows) > 1:
        grid._tbl.append(etree.Comment(ROWS_MARK.format(len(later))))
        later.append(_row_xml(rows[1][0]._tc.getparent(), t.rows[1:]))


def _fragment(element) -> bytes:
    """An element serialised as it is within the document (without the namespace declarations that
    serialising it alone adds to its first tag)."""
    xml = etree.tostring(element, encoding="UTF-8", xml_declaration=False)
    end = xml.index(b">")
    return _NAMESPACES.sub(b"", xml[:end]) + xml[end:]


def _copied_cell(tc, value: str, align) -> bytes:
    """A copy of a body cell with its own text and alignment, serialised."""
    tc = deepcopy(tc)
    p = tc.p_lst[0]
    p.get_or_add_pPr().jc_val = align
    _set_text(p.r_lst[0], value)
    return _fragment(tc)


def _row_xml(template, rows: list[list[str]]) -> Iterator[bytes]:
    """The XML of each row as copies of the `template` row with the row's texts and alignments.

    The bulk of them are made from text: each cell of the template serialised once per alignment
    around a placeholder text, the value escaped into it. Values whose XML differs in more than
    the text (empty, edge spaces, tabs and line breaks) are copied element by element."""
    row_xml = _fragment(template)
    cells = [_fragment(tc) for tc in template.tc_lst]
    start = row_xml.index(cells[0])
    head, tail = row_xml[:start], row_xml[start + len(b"".join(cells)):]
    around = [{align: _copied_cell(tc, _PLACEHOLDER, align).split(_PLACEHOLDER.encode())
               for align in (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT)} for tc in template.tc_lst]
    for row in rows:
        parts = [head]
        for tc, sides, value in zip(template.tc_lst, around, row):
            if value and value.isprintable() and value.strip() == value:
                before, after = sides[_align(value)]
                parts += [before, escape(value).encode(), after]
            else:
                parts.append(_copied_cell(tc, value, _align(value)))
        parts.append(tail)
        yield b"".join(parts)


def _widths(t: Table, total_mm: float) -> list[float]:
    """Column widths in mm summing to total_mm: each fits its longest body text on one line and at
    least 4 characters of its header (headers wrap); room left over is shared out in proportion."""
    em = TABLE_PT * 0.3528  # mm per CJK character; Latin digits take about half
    pad = 4.2  # the cell's left and right margins

    def length(text: str) -> float:
        return sum(0.55 if ord(ch) < 128 else 1.0 for ch in text)

    need = []
    for j, h in enumerate(t.headers):
        header = max(length(line) for line in h.split("\n"))
        body = max([length(r[j]) for r in t.rows], default=0)
        need.append(max(body, min(header, 4)) * em + pad)
    scale = total_mm / sum(need)
    return [w * scale for w in need]


def _section(doc, number: int, s: Section, later: list) -> None:
    heading = _paragraph(doc, f"{texts.CHINESE_NUMERALS[number]}、{s.heading}", HEITI)
    heading.paragraph_format.keep_with_next = True
    for text in s.paragraphs:
        _paragraph(doc, text)
    if s.table is not None:
        caption = _single(_paragraph(doc, s.table_caption, HEITI, 14, align=WD_ALIGN_PARAGRAPH.CENTER, indent_chars=0),
                          before=8, after=4)
        caption.paragraph_format.keep_with_next = True
        table(doc, s.table, _widths(s.table, TEXT_WIDTH_MM * 0.8), later)
        _single(doc.add_paragraph(), after=4)
    for text in s.after_table:
        _paragraph(doc, text)


def _figure(doc, png: bytes, caption: str) -> None:
    p = _single(doc.add_paragraph(), before=6)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    p.add_run().add_picture(io.BytesIO(png), width=Mm(TEXT_WIDTH_MM * 0.96))
    cap = _single(_paragraph(doc, caption, HEITI, 14, align=WD_ALIGN_PARAGRAPH.CENTER, indent_chars=0), after=10)
    cap.paragraph_format.keep_with_next = False


def _charts(doc, c: BulletinContent) -> None:
    font = cjk_font()
    if font is None or not c.chart.units:
        _paragraph(doc, texts.CHARTS_MISSING)
        return
    parts = c.chart.pages(PAGE_UNITS)
    for draw, figure in ((totals_chart, texts.FIGURE_TOTALS), (heatmap_chart, texts.FIGURE_HEATMAP)):
        caption = figure + c.chart.note
        for k, part in enumerate(parts, start=1):
            _figure(doc, draw(part, font),
                    caption if len(parts) == 1 else texts.FIGURE_PART.format(caption=caption, k=k, n=len(parts)))


def _width_em(text: str) -> float:
    return sum(0.5 if ord(ch) < 128 else 1.0 for ch in text)


def _signature(doc, c: BulletinContent) -> None:
    """附件说明, then 发文机关署名 right with two characters' space, 成文日期 under it, two characters further in.

    The signature never stands on a page of its own (GB/T 9704 7.3.5): the last body paragraph,
    the 附件说明 and the blank lines keep with it.
    """
    last = doc.paragraphs[-1]
    last.paragraph_format.keep_with_next = True
    last.paragraph_format.keep_together = True
    for p in (_single(doc.add_paragraph()), _paragraph(doc, texts.ANNEX_LEAD.format(title=c.annex_title)),
              doc.add_paragraph(), doc.add_paragraph()):
        p.paragraph_format.keep_with_next = True
    name = _paragraph(doc, c.office, align=WD_ALIGN_PARAGRAPH.RIGHT, indent_chars=0)
    name.paragraph_format.right_indent = Pt(BODY_PT * 2)
    name.paragraph_format.keep_with_next = True
    date = _paragraph(doc, c.signature_date, align=WD_ALIGN_PARAGRAPH.RIGHT, indent_chars=0)
    date.paragraph_format.right_indent = Pt(BODY_PT * max(0.0, 2 + _width_em(c.office) - 2 - _width_em(c.signature_date)))


def _annex(doc, c: BulletinContent, later: list) -> None:
    """附件 on a landscape page of its own: the category scores of every unit."""
    section = doc.add_section()
    _page(section, landscape=True)
    _paragraph(doc, texts.ANNEX_LABEL, HEITI, indent_chars=0)
    title = _paragraph(doc, c.annex_title, SONGTI, 18, True, WD_ALIGN_PARAGRAPH.CENTER, 0)
    title.paragraph_format.space_after = Pt(8)
    table(doc, c.annex, _widths(c.annex, 297 - 37 - 35), later)


def _document_xml(xml: bytes, later: list) -> Iterator[bytes]:
    """document.xml with each table's later rows where its mark is."""
    pieces = _MARKS.split(xml)
    yield pieces[0]
    for k in range(1, len(pieces), 2):
        yield from later[int(pieces[k])]
        yield pieces[k + 1]


def _package(raw: bytes, later: list) -> bytes:
    """The .docx zip rewritten with one fixed entry time, so equal content gives equal bytes, and
    the tables' later rows written into document.xml as it is compressed."""
    source, out = zipfile.ZipFile(io.BytesIO(raw)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            data = source.read(info.filename)
            with target.open(entry, "w") as stream:
                for chunk in (_document_xml(data, later) if info.filename == "word/document.xml" else [data]):
                    stream.write(chunk)
    return out.getvalue()


def bulletin_docx(c: BulletinContent) -> bytes:
    """The 通报 as .docx bytes (the same content gives the same bytes)."""
    doc = Document()
    _base_styles(doc)
    _page(doc.sections[0])
    _footers(doc, doc.sections[0])
    props = doc.core_properties
    stamp = c.stamp.replace(tzinfo=None, microsecond=0)
    props.title, props.author, props.last_modified_by = c.core_properties_title, c.office, texts.CREATOR
    props.created = props.modified = stamp
    props.revision, props.comments, props.subject = 1, "", ""
    later: list = []
    _head(doc, c)
    for k, s in enumerate(c.sections):
        _section(doc, k, s, later)
        if s.heading == texts.H_CHARTS:
            _charts(doc, c)
    _signature(doc, c)
    _annex(doc, c, later)
    out = io.BytesIO()
    doc.save(out)
    return _package(out.getvalue(), later)
