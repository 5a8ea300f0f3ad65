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


def ratios(r: dict[str, Measurement]) -> list[Figure]:
    large, base = r.get("scale_large"), r.get("cold_sqlite")
    scale = f"{large.units:,} / {base.units:,} units" if large and base else "large / base units"
    return [
        ratio("ingest_vs_bare_read", "ingest / bare read", r.get("ingest_sqlite"), r.get("bare_read"), 3, True),
        ratio("naive_vs_kaoping", "naive / kaoping cold run", r.get("naive"), base, 10, False),
        ratio("nochange_vs_cold", "no-change run / cold run", r.get("nochange_sqlite"), base, 0.05, True),
        ratio("large_vs_base", f"cold run {scale}", large, base, 12, True),
    ]


def limit_check(key: str, label: str, m: Measurement | None, limit: float, inner: bool = False) -> Figure:
    """A step's time against a limit; a timed-out step decides only when it already exceeds it."""
    if not _usable(m) or (inner and m.inner_seconds is None):
        return Figure(key, label, None, "=", f"≤ {limit:g}", None)
    value = m.inner_seconds if inner else m.seconds
    bound = "=" if inner else _bound(m)
    met = value <= limit if bound == "=" else (False if value > limit else None)
    return Figure(key, label, value, bound, f"≤ {limit:g}", met)


def targets(r: dict[str, Measurement]) -> list[Figure]:
    out = [limit_check("cold_run_s", "cold run (s)", r.get("cold_sqlite"), 60),
           limit_check("scoring_s", "scoring alone, no sensitivity (s)", r.get("scoring"), 1, inner=True)]
    return out + [peak_rss(r, 1.5 * GIB_MB)]


def peak_rss(r: dict[str, Measurement], limit: float) -> Figure:
    """The largest peak RSS of the kaoping steps at the base size; a stopped step's is a lower bound."""
    steps = [r[k] for k in KAOPING_STEPS if k in r and _usable(r[k])]
    if not steps:
        return Figure("peak_rss_mb", "peak RSS of kaoping steps (MiB)", None, "=", f"≤ {limit:g}", None)
    top = max(steps, key=lambda m: m.peak_rss_mb)
    partial = any(m.status == TIMED_OUT for m in steps)
    met = top.peak_rss_mb <= limit if not partial else (False if top.peak_rss_mb > limit else None)
    return Figure("peak_rss_mb", "peak RSS of kaoping steps (MiB)", top.peak_rss_mb, "≥" if partial else "=",
                  f"≤ {limit:g}", met)


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


def figure_table(title: str, figures: list[Figure]) -> Table:
    table = Table(title=title)
    for col in ("figure", "value", "goal", "met"):
        table.add_column(col)
    for f in figures:
        value = "not available" if f.value is None else f"{'' if f.bound == '=' else f.bound + ' '}{f.value:,.3g}"
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "—"}[f.met]
        table.add_row(f.label, value, f.goal, met)
    return table


def write_results(path: Path, profile: dict, workload: dict, generated: dict[int, float],
                  results: dict[str, Measurement]) -> dict:
    doc = {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
           "profile": profile, "workload": workload,
           "generation_s": {str(k): round(v, 2) for k, v in generated.items()},
           "steps": {k: m.as_dict() for k, m in results.items()},
           "ratios": [f.as_dict() for f in ratios(results)],
           "targets": [f.as_dict() for f in targets(results)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
    return doc


def print_report(results: dict[str, Measurement], console: Console | None = None) -> None:
    console = console or Console(width=max(Console().width, 150))
    console.print(step_table(results))
    console.print(figure_table("ratios", ratios(results)))
    console.print(figure_table("targets (2-core machine, full profile)", targets(results)))


def markdown(doc: dict) -> str:
    """results.json as the Markdown tables quoted in docs/performance.md."""
    lines = ["| step | units | status | wall s | inner s | peak RSS MiB | notes |",
             "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
    for m in doc["steps"].values():
        notes = "; ".join(filter(None, [m["detail"], ", ".join(f"{k}={v}" for k, v in m["extra"].items())]))
        lines.append(f"| {m['label']} | {m['units'] or ''} | {m['status']} | {_num(m['seconds'])} | "
                     f"{_num(m['inner_seconds'], 3)} | {_num(m['peak_rss_mb'], 0)} | {notes} |")
    lines += ["", "| figure | value | goal | met |", "| --- | ---: | --- | --- |"]
    for f in doc["ratios"] + doc["targets"]:
        value = "not available" if f["value"] is None else \
            f"{'' if f['bound'] == '=' else f['bound'] + ' '}{f['value']:,.3g}"
        lines.append(f"| {f['label']} | {value} | {f['goal']} | {({True: 'yes', False: 'no'}).get(f['met'], '—')} |")
    return "\n".join(lines) + "\n"
