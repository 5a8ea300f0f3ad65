"""Which department sent a file and for which period: from `_meta`, the inbox path, the file name
and the title rows (SPEC §5). Sources that disagree are an error, never a silent choice."""
from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from kaoping.scoring.periods import TEXT_PATTERNS, Period, period_code
from kaoping.sources.messages import EXPECTED
from kaoping.sources.problems import Problem, make_problem
from kaoping.sources.registry import Registry, normalize_name


def readable(name: str) -> str:
    """A file or folder name as valid text: undecodable bytes (surrogate escapes, e.g. a GBK name on a
    UTF-8 file system) are read as GB18030, anything still undecodable becomes U+FFFD."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("gb18030", "replace")


def periods_in_text(text: str) -> list[str]:
    """Every period code named in `text` (full-width digits allowed), first pattern match first."""
    text = unicodedata.normalize("NFKC", text)
    found: list[str] = []
    for pattern, grain in TEXT_PATTERNS:
        for m in pattern.finditer(text):
            code = period_code(m, grain)
            if code not in found:
                found.append(code)
    return found


def departments_in_text(registry: Registry, text: str) -> list[str]:
    """Department codes whose name or alias occurs in `text`, or whose code is one of its tokens."""
    key = normalize_name(text)
    tokens = {normalize_name(t) for t in re.split(r"[\s_\-.()（）【】\[\]/\\]+", text) if t}
    found = []
    for row in registry.departments.itertuples(index=False):
        names = [normalize_name(n) for n in (row.name, *row.aliases)]
        if any(len(n) >= 2 and n in key for n in names) or normalize_name(row.code) in tokens:
            found.append(row.code)
    return found


def _agreed(found: dict[str, list[str]]) -> tuple[str | None, dict[str, str]]:
    """The one value all sources agree on (or None), and each source's first value."""
    firsts = {source: values[0] for source, values in found.items() if values}
    distinct = set(firsts.values())
    return (distinct.pop() if len(distinct) == 1 else None), firsts


def _conflict(rule: str, file: str, firsts: dict[str, str]) -> Problem:
    seen = "；".join(f"{source}：{value}" for source, value in firsts.items())
    return make_problem(rule, file, value=seen, expected="各处一致")


def file_department(registry: Registry, file: str, name_text: str, meta: dict, given: str | None,
                    path_hint: str | None, title: str) -> tuple[str | None, list[Problem]]:
    """The department code and any problem (unknown, or sources that contradict each other)."""
    found: dict[str, list[str]] = {}
    for source, text in (("模板", meta.get("department")), ("命令行", given), ("目录", path_hint)):
        if text:
            code = registry.resolve_department(text)
            if code is None:
                return None, [make_problem("department_unknown", file, value=text, expected=EXPECTED["department"])]
            found[source] = [code]
    for source, text in (("文件名", PurePosixPath(name_text).name), ("标题", title)):
        named = departments_in_text(registry, text)
        found[source] = named if len(named) == 1 else []  # a title naming several is no evidence
    code, firsts = _agreed(found)
    if code is None and firsts:
        named = {source: registry.department_name(code) for source, code in firsts.items()}
        return None, [_conflict("department_conflict", file, named)]
    if code is None:
        return None, [make_problem("department_unknown", file, expected=EXPECTED["department"])]
    return code, []


def file_period(file: str, meta: dict, given: str | None, path_text: str, title: str
                ) -> tuple[str | None, list[Problem]]:
    """The period code and any problem (unknown, or sources that contradict each other)."""
    found: dict[str, list[str]] = {}
    for source, text in (("模板", meta.get("period")), ("命令行", given)):
        if text:
            try:
                found[source] = [Period.parse(text).code]
            except ValueError:
                return None, [make_problem("period_unknown", file, value=text, expected=EXPECTED["period"])]
    found["文件名"] = periods_in_text(path_text)[:1]
    found["标题"] = periods_in_text(title)[:1]
    code, firsts = _agreed(found)
    if code is None and firsts:
        return None, [_conflict("period_conflict", file, firsts)]
    if code is None:
        return None, [make_problem("period_unknown", file, expected=EXPECTED["period"])]
    return code, []
