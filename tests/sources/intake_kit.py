"""Test kit for intake: a tiny workspace (three counties, two departments, one small catalog) and file makers."""
from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

CATALOG_YAML = """\
catalog:
  code: test-county-2025
  name: 2025年度测试县平安建设考评
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
         direction: higher_better, points: 40, target: 100, floor: 80, range: [0, 100]}
      - {code: C01-02, name: 刑事案件立案数, unit: 起, source: GA, integer: true, method: deduction,
         points: 30, per: 1, range: [0, 1000], aliases: [刑事立案数]}
      - {code: C01-03, name: 矛盾纠纷化解率, unit: "%", source: SF, method: threshold,
         direction: higher_better, points: 30, target: 100, floor: 60, range: [0, 100]}
"""
UNITS = """\
code,name,kind,parent,group,aliases,valid_from,valid_to
U01,东城县,county,,,东城,,
U02,西城区,county,,,,,
U03,南湖县(市),county,,,,,
"""
DEPARTMENTS = "code,name,aliases\nGA,公安局,市公安局\nSF,司法局,市司法局\n"
HEADER = ["单位名称", "涉政风险隐患排查处置率", "刑事案件立案数"]
GOOD_ROWS = [["东城县", 95.5, 12], ["西城区", 88, 3], ["南湖县(市)", 100, 0]]


def make_workspace(root: Path, db_url: str, catalog: str = CATALOG_YAML):
    """A workspace folder with registries and the catalog; returns its Resources."""
    from kaoping.stages.resources import Resources

    for name in ("catalog", "inbox", "out", "archive"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "kaoping.toml").write_text("", encoding="utf-8")  # what makes the folder a workspace
    (root / "units.csv").write_text(UNITS, encoding="utf-8")
    (root / "departments.csv").write_text(DEPARTMENTS, encoding="utf-8")
    (root / "catalog" / "test.yaml").write_text(catalog, encoding="utf-8")
    return Resources.open(root, db_url)


def write_xlsx(path: Path, rows: list[list], sheet: str = "Sheet1", formats: dict[str, str] | None = None) -> Path:
    """A workbook with `rows` from A1; `formats` maps cell refs to number formats."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
       'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
       'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType='
       '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
       '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
       'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"'
            '/></Relationships>')
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def write_raw_xlsx(path: Path, sheet_rows_xml: str, shared_strings: list[str] | str) -> Path:
    """A hand-built xlsx: `sheet_rows_xml` is the <sheetData> body; shared strings as a list or raw XML."""
    import zipfile

    if isinstance(shared_strings, list):
        items = "".join(f"<si><t>{s}</t></si>" for s in shared_strings)
        shared_strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}" count="{len(shared_strings)}">'
                          f"{items}</sst>")
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>{sheet_rows_xml}'
             "</sheetData></worksheet>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("[Content_Types].xml", _CT), ("_rels/.rels", _RELS), ("xl/workbook.xml", _WB),
                           ("xl/_rels/workbook.xml.rels", _WB_RELS), ("xl/worksheets/sheet1.xml", sheet),
                           ("xl/sharedStrings.xml", shared_strings)):
            z.writestr(name, text)
    return path
