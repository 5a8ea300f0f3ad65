"""Builders of hostile files: hand-made xlsx parts (entity bombs, external entities, huge tables),
zip bombs, encrypted workbooks; and a tiny intake workspace to examine them in."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'

CATALOG_YAML = """\
catalog:
  code: rel-county-2025
  name: 2025年度可靠性测试考评
  year: 2025
  assessed_kind: county
  full_marks: 100
  grades: [{name: 优秀, min_score: 90}, {name: 合格}]
categories:
  - code: C01
    name: 社会治安
    points: 100
    indicators:
      - {code: C01-01, name: 涉政风险隐患排查处置率, unit: "%", source: GA, method: threshold,
         direction: higher_better, points: 60, target: 100, floor: 80, range: [0, 100]}
      - {code: C01-02, name: 刑事案件立案数, unit: 起, source: GA, integer: true, method: deduction,
         points: 40, per: 1, range: [0, 1000], aliases: [刑事立案数]}
"""
UNITS_CSV = """\
code,name,kind,parent,group,aliases,valid_from,valid_to
U01,东城县,county,,,东城,,
U02,西城区,county,,,,,
U03,南湖县(市),county,,,,,
"""
DEPARTMENTS_CSV = "code,name,aliases\nGA,公安局,市公安局\n"
UNIT_NAMES = {"U01": "东城县", "U02": "西城区", "U03": "南湖县(市)"}
INDICATORS = {"C01-01": "涉政风险隐患排查处置率", "C01-02": "刑事案件立案数"}
HEADER = ["单位名称", INDICATORS["C01-01"], INDICATORS["C01-02"]]
GOOD_ROWS = [["东城县", 95.5, 12], ["西城区", 88, 3], ["南湖县(市)", 100, 0]]
GOOD_VALUES = {("U01", "C01-01"): 95.5, ("U01", "C01-02"): 12.0, ("U02", "C01-01"): 88.0,
               ("U02", "C01-02"): 3.0, ("U03", "C01-01"): 100.0, ("U03", "C01-02"): 0.0}
NAME = "公安局_2025Q3"


def make_workspace(root: Path, intake_toml: str = "") -> Path:
    """A workspace folder: registries, the catalog, and `[intake]` settings when given."""
    for name in ("catalog", "inbox", "out", "archive", "outbox"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (root / "departments.csv").write_text(DEPARTMENTS_CSV, encoding="utf-8")
    (root / "recipients.csv").write_text("recipient,name,email\n", encoding="utf-8")
    (root / "catalog" / "rel.yaml").write_text(CATALOG_YAML, encoding="utf-8")
    (root / "kaoping.toml").write_text(f"[intake]\n{intake_toml}\n" if intake_toml else "", encoding="utf-8")
    return root


def inbox_path(res, name: str, folder: str = "公安局") -> Path:
    """A path in the workspace's inbox, its folder made."""
    path = res.settings.inbox_dir / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _cell_xml(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def rows_xml(rows: list[list[object]], first_row: int = 1) -> str:
    """<row> elements for `rows` (inline strings, so no shared-string table is needed)."""
    out = []
    for r, row in enumerate(rows, start=first_row):
        cells = "".join(_cell_xml(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def sheet_xml(body: str, doctype: str = "", extra: str = "") -> str:
    return f'{XML_HEAD}{doctype}<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData>{extra}</worksheet>'


def workbook_xml(sheet_name: str = "Sheet1", doctype: str = "") -> str:
    return (f'{XML_HEAD}{doctype}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="{escape(sheet_name)}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>')


def shared_strings_xml(strings: list[str], doctype: str = "", raw: str | None = None) -> str:
    items = raw if raw is not None else "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return f'{XML_HEAD}{doctype}<sst xmlns="{MAIN}">{items}</sst>'


def xlsx_parts(sheet: str, workbook: str | None = None, shared: str | None = None) -> dict[str, str]:
    """The parts of a minimal valid xlsx package around one sheet."""
    ct = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
          'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
          'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
          'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
          'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
          'spreadsheetml.sharedStrings+xml"/></Types>')
    rels = (f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>')
    wb_rels = (f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" '
               f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/sharedStrings" '
               'Target="sharedStrings.xml"/></Relationships>')
    return {"[Content_Types].xml": XML_HEAD + ct, "_rels/.rels": XML_HEAD + rels,
            "xl/workbook.xml": workbook or workbook_xml(), "xl/_rels/workbook.xml.rels": XML_HEAD + wb_rels,
            "xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": shared or shared_strings_xml([])}


def write_zip(path: Path, parts: dict[str, str | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def good_sheet() -> str:
    return sheet_xml(rows_xml([HEADER, *GOOD_ROWS]))


def billion_laughs(root: str, levels: int = 9) -> str:
    """A DOCTYPE whose entity `lol{levels}` expands to 10**levels copies of "lol"."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return f"<!DOCTYPE {root} [{''.join(entities)}]>"


def external_entity(root: str, target: str) -> str:
    """A DOCTYPE declaring entity `xxe` as the contents of `target` (a file or URL)."""
    return f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{target}">]>'


def zip_bomb_parts(unpacked_mb: int) -> dict[str, str | bytes]:
    """A valid-looking package plus one member of `unpacked_mb` MB of zeros (ratio ~1000:1)."""
    return {**xlsx_parts(good_sheet()), "xl/media/padding.bin": bytes(unpacked_mb * 1024 * 1024)}


def nested_zip_bomb(levels: int = 3) -> bytes:
    """A zip holding a zip holding … of zeros: each level is small, the whole explodes."""
    data = bytes(4 * 1024 * 1024)
    for level in range(levels):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for copy in range(8):
                archive.writestr(f"layer{level}_{copy}.zip", data)
        data = buffer.getvalue()
    return data


def blank_rows_sheet(blank: int) -> str:
    """The good table followed by `blank` empty <row> elements and one stray cell at the end."""
    body = rows_xml([HEADER, *GOOD_ROWS])
    rows = "".join(f'<row r="{r}"/>' for r in range(5, 5 + blank))
    return sheet_xml(body + rows + f'<row r="{5 + blank}"><c r="A{5 + blank}" t="inlineStr"><is><t> </t></is></c></row>')


def deep_header_sheet(depth: int) -> str:
    """`depth` header rows above the indicator names, all merged across the indicator columns."""
    title = [[f"第{i + 1}层标题", None, None] for i in range(depth)]
    merges = "".join(f'<mergeCell ref="B{i + 1}:C{i + 1}"/>' for i in range(depth))
    merges += f'<mergeCell ref="A1:A{depth + 1}"/>'
    rows = [["单位名称", None, None], *title[1:], [None, *HEADER[1:]], *GOOD_ROWS]
    return sheet_xml(rows_xml(rows), extra=f'<mergeCells count="{depth + 1}">{merges}</mergeCells>')


def huge_shared_strings(count: int) -> tuple[str, str]:
    """A sheet whose header and unit names come from a shared-string table of `count` entries."""
    strings = [*HEADER, *(r[0] for r in GOOD_ROWS)] + [f"无关文字{i:07d}" for i in range(count)]
    header = "".join(f'<c r="{chr(65 + c)}1" t="s"><v>{c}</v></c>' for c in range(3))
    cells = [f'<row r="1">{header}</row>']
    for r, row in enumerate(GOOD_ROWS, start=2):
        cells.append(f'<row r="{r}"><c r="A{r}" t="s"><v>{r + 1}</v></c><c r="B{r}"><v>{row[1]}</v></c>'
                     f'<c r="C{r}"><v>{row[2]}</v></c></row>')
    return sheet_xml("".join(cells)), shared_strings_xml(strings)


# ---- ODS -----------------------------------------------------------------------------------------

ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"')


def ods_cell(value: object, extra: str = "") -> str:
    """A cell: text, a number, or raw XML attributes when `value` is None (`extra` holds them)."""
    if value is None:
        return f"<table:table-cell {extra}/>" if extra else "<table:table-cell/>"
    if isinstance(value, (int, float)):
        return (f'<table:table-cell office:value-type="float" office:value="{value}" {extra}>'
                f"<text:p>{value}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string" {extra}><text:p>{escape(str(value))}</text:p></table:table-cell>'


def ods_rows(rows: list[list[object]]) -> str:
    return "".join("<table:table-row>" + "".join(ods_cell(v) for v in row) + "</table:table-row>" for row in rows)


def write_ods(path: Path, body: str, sheet: str = "Sheet1") -> Path:
    """An ODS file whose one sheet's rows are `body` (table-row XML)."""
    content = (f'{XML_HEAD}<office:document-content {_ODS_NS} office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="{escape(sheet)}">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = (f'{XML_HEAD}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIME}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIME)  # stored, first, as ODF requires
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def lying_zip(path: Path, parts: dict[str, str | bytes], member: str, stated_size: int) -> Path:
    """A zip whose `member` states `stated_size` as its uncompressed size (central directory and
    local header) while its stream inflates to its real size."""
    write_zip(path, parts)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    name = member.encode()
    local = info.header_offset
    data[local + 22:local + 26] = stated_size.to_bytes(4, "little")
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        name_len = int.from_bytes(data[pos + 28:pos + 30], "little")
        if bytes(data[pos + 46:pos + 46 + name_len]) == name:
            data[pos + 24:pos + 28] = stated_size.to_bytes(4, "little")
        pos += 4
    path.write_bytes(bytes(data))
    return path


# a good file as CSV, and what an examination holds
CSV_HEADER = ",".join(HEADER)
CSV_ROWS = [",".join(str(v) for v in row) for row in GOOD_ROWS]


def good_csv(res, name: str = f"{NAME}.csv") -> Path:
    path = inbox_path(res, name)
    path.write_text("\n".join([CSV_HEADER, *CSV_ROWS]) + "\n", encoding="utf-8")
    return path


def values_of(exam) -> dict:
    return {(r.unit_code, r.indicator_code): None if pd.isna(r.value) else float(r.value)
            for r in exam.values.itertuples()}


def errors_of(exam) -> list:
    return [p for p in exam.problems if p.severity == "error"]

