"""The benchmark's table, ratios and targets: printed with rich and written to results.json."""
from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.measure import OK, TIMED_OUT, Measurement

GIB_MB = 1024
KAOPING_STEPS = ("ingest_sqlite", "cold_sqlite", "cold_postgres", "nochange_sqlite", "replaced_sqlite",
                 "backfill_rescore")


@dataclass
class Figure:
    """A ratio or a target check: its value, whether it is exact or a bound, and the goal."""

    key: str
    label: str
    value: float | None
    bound: str  # "=", "≥" (the true value is at least this) or "≤"
    goal: str
    met: bool | None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _bound(m: Measurement) -> str:
    return "≥" if m.status == TIMED_OUT else "="


def _usable(m: Measurement | None) -> bool:
    return m is not None and m.status in (OK, TIMED_OUT) and m.seconds is not None


def ratio(key: str, label: str, top: Measurement | None, bottom: Measurement | None,
          limit: float, at_most: bool) -> Figure:
    """top / bottom, a bound when either side timed out; compared with `limit` where that decides."""
    goal = f"{'≤' if at_most else '≥'} {limit:g}"
    if not (_usable(top) and _usable(bottom)):
        return Figure(key, label, None, "=", goal, None)
    bound = {("=", "="): "=", ("≥", "="): "≥", ("=", "≥"): "≤"}.get((_bound(top), _bound(bottom)))
    if bound is None:
        return Figure(key, label, None, "=", goal, None)
    value = top.seconds / bottom.seconds
    meets = value <= limit if at_most else value >= limit
    # a bound decides only when the true value, on its side of `value`, cannot cross the limit
    decides = bound == "=" or (bound == "≥") == (meets != at_most)
    return Figure(key, label, value, bound, goal, meets if decides else None)


def bound(parts: list[tuple[Measurement | None, str | None]]) -> float | None:
    """The sum of bare steps' own work (`inner s`, or one of their reported figures), None if one is missing."""
    total = 0.0
    for m, figure in parts:
        if m is None or m.status != OK:
            return None
        value = m.inner_seconds if figure is None else m.extra.get(figure)
        if value is None:
            return None
        total += value
    return total


def bound_ratio(key: str, label: str, top: Measurement | None, seconds: float | None, limit: float) -> Figure:
    """A kaoping step's wall time over a physical bound measured in the same run."""
    bare = Measurement(key, label, status=OK, seconds=seconds) if seconds else None
    return ratio(key, label, top, bare, limit, True)


def figures(r: dict[str, Measurement]) -> list[Figure]:
    """Every target of the benchmark whose steps were part of this run."""
    g = r.get
    large, base = g("scale_large"), g("cold_sqlite")
    scale = f"{large.units:,} / {base.units:,} units" if large and base else "large / base units"
    ingest_bound = bound([(g("bare_read"), None), (g("bare_write"), "values_s")])
    cold_bound = bound([(g("bare_read"), None), (g("bare_write"), None), (g("bare_output"), None)])
    out = [
        bound_ratio("ingest_vs_bound", "ingest / (bare read + bare write)", g("ingest_sqlite"), ingest_bound, 3),
        bound_ratio("cold_vs_bound", "cold run / (bare read + write + output)", base, cold_bound, 3),
        ratio("nochange_vs_cold", "no-change run / cold run", g("nochange_sqlite"), base, 0.02, True),
        ratio("replaced_vs_cold", "one file replaced / cold run", g("replaced_sqlite"), base, 0.25, True),
        ratio("postgres_vs_sqlite", "cold run PostgreSQL / SQLite", g("cold_postgres"), base, 1.25, True),
        limit_check("scoring_s", "scoring alone, no sensitivity (s)", g("scoring"), 1, inner=True),
        peak_rss("peak_rss_mb", "peak RSS of kaoping steps (MiB)", [g(k) for k in KAOPING_STEPS], 1.5 * GIB_MB),
        ratio("large_vs_base", f"cold run {scale}", large, base, 11, True),
        peak_rss("large_peak_rss_mb", "peak RSS, large-scale run (MiB)", [large], 1.5 * GIB_MB),
        ratio("naive_vs_kaoping", "naive / kaoping cold run", g("naive"), base, 10, False),
    ]
    return [f for f in out if f.key in figure_keys(r)]


def figure_keys(r: dict[str, Measurement]) -> set[str]:
    """The figures a run can report: those whose steps it ran (a missing step is not a failure)."""
    needs = {"ingest_vs_bound": ("ingest_sqlite", "bare_write"), "cold_vs_bound": ("cold_sqlite", "bare_output"),
             "nochange_vs_cold": ("nochange_sqlite",), "replaced_vs_cold": ("replaced_sqlite",),
             "postgres_vs_sqlite": ("cold_postgres",), "scoring_s": ("scoring",),
             "peak_rss_mb": ("ingest_sqlite",), "large_vs_base": ("scale_large",),
             "large_peak_rss_mb": ("scale_large",), "naive_vs_kaoping": ("naive",)}
    return {key for key, steps in needs.items() if all(s in r for s in steps)}


def limit_check(key: str, label: str, m: Measurement | None, limit: float, inner: bool = False) -> Figure:
    """A step's time against a limit; a timed-out step decides only when it already exceeds it."""
    if not _usable(m) or (inner and m.inner_seconds is None):
        return Figure(key, label, None, "=", f"≤ {limit:g}", None)
    value = m.inner_seconds if inner else m.seconds
    bound = "=" if inner else _bound(m)
    met = value <= limit if bound == "=" else (False if value > limit else None)
    return Figure(key, label, value, bound, f"≤ {limit:g}", met)


def peak_rss(key: str, label: str, steps: list[Measurement | None], limit: float) -> Figure:
    """The largest peak RSS of some steps; a stopped step's is a lower bound."""
    steps = [m for m in steps if _usable(m)]
    if not steps:
        return Figure(key, label, None, "=", f"≤ {limit:g}", None)
    top = max(steps, key=lambda m: m.peak_rss_mb)
    partial = any(m.status == TIMED_OUT for m in steps)
    met = top.peak_rss_mb <= limit if not partial else (False if top.peak_rss_mb > limit else None)
    return Figure(key, label, top.peak_rss_mb, "≥" if partial else "=", f"≤ {limit:g}", met)


def machine() -> dict:
    """nproc, memory and CPU model of this machine."""
    def sh(cmd: str) -> str:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()

    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
    # the load average says how far other work on the machine skewed the wall times
    return {"nproc": os.cpu_count(), "memory": sh("free -h | awk '/Mem:/ {print $2}'"), "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def step_table(results: dict[str, Measurement]) -> Table:
    table = Table(title="kaoping benchmark", show_lines=False)
    for col in ("step", "units", "status", "wall s", "inner s", "peak RSS MiB", "notes"):
        table.add_column(col, justify="right" if col.endswith(("s", "MiB", "units")) else "left")
    for m in results.values():
        notes = "; ".join(filter(None, [m.detail, ", ".join(f"{k}={v}" for k, v in m.extra.items())]))
        table.add_row(m.label, f"{m.units:,}" if m.units else "", m.status, _num(m.seconds),
                      _num(m.inner_seconds, 3), _num(m.peak_rss_mb, 0), notes)
    return table


def figure_text(value: float | None, bound: str) -> str:
    """A figure with its bound: three significant digits, whole numbers from 1,000 (no exponent)."""
    if value is None:
        return "not available"
    number = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"
    return number if bound == "=" else f"{bound} {number}"


def figure_table(title: str, figures: list[Figure]) -> Table:
    table = Table(title=title)
    for col in ("figure", "value", "goal", "met"):
        table.add_column(col)
    for f in figures:
        value = figure_text(f.value, f.bound)
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "—"}[f.met]
        table.add_row(f.label, value, f.goal, met)
    return table


def write_results(path: Path, profile: dict, workload: dict, generated: dict[int, float],
                  results: dict[str, Measurement]) -> dict:
    doc = {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
           "profile": profile, "workload": workload,
           "generation_s": {str(k): round(v, 2) for k, v in generated.items()},
           "steps": {k: m.as_dict() for k, m in results.items()},
           "figures": [f.as_dict() for f in figures(results)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
    return doc


def print_report(results: dict[str, Measurement], console: Console | None = None) -> None:
    console = console or Console(width=max(Console().width, 150))
    console.print(step_table(results))
    console.print(figure_table("figures and targets", figures(results)))


def markdown(doc: dict) -> str:
    """results.json as the Markdown tables quoted in docs/performance.md."""
    lines = ["| step | units | status | wall s | inner s | peak RSS MiB | notes |",
             "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
    for m in doc["steps"].values():
        notes = "; ".join(filter(None, [m["detail"], ", ".join(f"{k}={v}" for k, v in m["extra"].items())]))
        lines.append(f"| {m['label']} | {m['units'] or ''} | {m['status']} | {_num(m['seconds'])} | "
                     f"{_num(m['inner_seconds'], 3)} | {_num(m['peak_rss_mb'], 0)} | {notes} |")
    lines += ["", "| figure | value | goal | met |", "| --- | ---: | --- | --- |"]
    for f in doc["figures"]:
        value = figure_text(f["value"], f["bound"])
        lines.append(f"| {f['label']} | {value} | {f['goal']} | {({True: 'yes', False: 'no'}).get(f['met'], '—')} |")
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- results:begin (python -m benchmarks markdown --write) -->", "<!-- results:end -->"


def machine_line(doc: dict) -> str:
    m, p = doc["machine"], doc["profile"]
    return (f"**`{p['name']}` profile**, {doc['created_at']}: {m['cpu'] or 'unknown CPU'}, {m['nproc']} cores, "
            f"{m['memory']} memory, Python {m['python']}; load average before the run "
            f"{', '.join(str(x) for x in m['load_average_1_5_15'])}.")


def results_section(docs: list[dict]) -> str:
    """The generated part of docs/performance.md: per results file, the machine, the steps, the figures."""
    parts = [BEGIN, ""]
    for doc in docs:
        parts += [machine_line(doc), "", markdown(doc)]
    return "\n".join(parts + [END]) + "\n"


def write_section(page: Path, section: str) -> None:
    """Replace the generated section of `page` (appended when the page has none yet)."""
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    page.write_text(text, encoding="utf-8")
