"""Readers: any accepted file → a raw grid (one row per non-empty cell) and the template's `_meta`, by format.

.xlsx/.xlsm in `read_xlsx`, .xls in `read_xls`, .ods in `read_ods`, .csv in `read_csv`; every parser
failure becomes a FileRefused whose reason a sender can act on.
"""
from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

import pandas as pd
from defusedxml import DefusedXmlException

from kaoping.core.config import IntakeSettings
from kaoping.sources.context import readable
from kaoping.sources.grid import GRID_COLUMNS, RawWorkbook
from kaoping.sources.problems import FileRefused, make_problem
from kaoping.sources.read_csv import csv_rows
from kaoping.sources.read_ods import ods_rows
from kaoping.sources.read_xls import xls_rows
from kaoping.sources.read_xlsx import xlsx_rows

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


def read_workbook(path: Path, container: str, limits: IntakeSettings, name: str | None = None) -> RawWorkbook:
    """The raw grid of a file already passed by `safety.check_file`; FileRefused when unreadable.
    `name` is the file's own name (`path` may be kaoping's private copy of it)."""
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise FileRefused(make_problem("unsupported_type", readable(name), value=suffix or "无扩展名",
                                       expected="、".join(SUFFIXES)))
    if container == "ole":
        reader = xls_rows
    elif suffix == ".csv":
        reader = csv_rows
    elif container == "zip":
        reader = ods_rows if suffix == ".ods" else xlsx_rows
    else:
        raise FileRefused(make_problem("unreadable", readable(name), detail="文件内容与扩展名不符"))
    try:
        rows, sheets, meta = reader(path, limits, name)
    except FileRefused:
        raise
    except MemoryError:
        raise FileRefused(make_problem("too_much_memory", readable(name))) from None
    except Exception as exc:  # every parser failure (bad XML, entity bombs, corrupt records) ends here
        raise FileRefused(make_problem("unreadable", readable(name), detail=unreadable_reason(exc))) from None
    return RawWorkbook(pd.DataFrame(rows, columns=GRID_COLUMNS), sheets, meta)


def unreadable_reason(exc: BaseException) -> str:
    """Why a parser gave up, in words a sender can act on (never just an exception's class name)."""
    text = str(exc)
    if isinstance(exc, DefusedXmlException):
        return "文件中含有不允许的 XML 实体或文档类型定义（可能是恶意构造的文件）"
    if isinstance(exc, ParseError) or "xml" in type(exc).__name__.lower():
        return "文件内部的 XML 内容格式错误，文件可能已损坏"
    if isinstance(exc, (zipfile.BadZipFile, EOFError)) or "zip" in text.lower():
        return "压缩包结构损坏，文件可能不完整"
    if isinstance(exc, KeyError):
        return "文件缺少必需的组成部分，可能不是由 Excel/WPS 保存的完整文件"
    if isinstance(exc, csv.Error):
        return "CSV 文本格式错误（引号或换行不匹配）"
    if isinstance(exc, UnicodeError):
        return "文件中有无法识别的文字编码"
    if type(exc).__module__.startswith("xlrd") or "biff" in text.lower() or "ole2" in text.lower():
        return "Excel 97-2003 文件结构损坏或不完整"
    return "文件内部结构损坏或格式不规范，请用 Excel/WPS 打开后另存为 .xlsx 再报送"
