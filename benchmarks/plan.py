"""What `make bench` and `make bench-scale` measure, in which order, and how long a step may take."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks import kaoping_steps as ks
from benchmarks.measure import NOT_AVAILABLE, OK, Measurement, python_step, run_measured
from benchmarks.workload import Workload
from benchmarks.workspace_gen import cached_workspace, copy_workspace, replacement_file

LABELS = {
    "bare_read": "1 bare read (calamine → DataFrames)",
    "bare_write": "1b bare write, SQLite (executemany, no indexes)",
    "bare_write_postgres": "1c bare write, PostgreSQL (COPY, no indexes)",
    "scoring": "6 scoring engine alone",
    "scoring_sensitivity": "6 scoring engine + sensitivity",
    "ingest_sqlite": "3a kaoping ingest alone, SQLite",
    "cold_sqlite": "3 kaoping run, cold, SQLite",
    "bare_output": "1d bare output write (XlsxWriter, same cells)",
    "nochange_sqlite": "4 kaoping run, nothing new",
    "replaced_sqlite": "4 kaoping run, one file replaced",
    "backfill_rescore": "5 kaoping backfill --rescore-only, 4 quarters",
    "cold_postgres": "3 kaoping run, cold, PostgreSQL",
    "scale_small": "7 kaoping run, cold, small scale",
    "scale_large": "7 kaoping run, cold, large scale",
    "naive": "2 naive stack (read_excel+GX per file+ORM rows+openpyxl)",
}
CORE = ("bare_read", "bare_write", "bare_write_postgres", "scoring", "scoring_sensitivity", "ingest_sqlite",
        "cold_sqlite", "bare_output", "nochange_sqlite", "replaced_sqlite", "backfill_rescore", "cold_postgres",
        "scale_small")
SCALE = ("cold_sqlite", "scale_large", "naive")


@dataclass(frozen=True)
class Profile:
    """A benchmark size, the steps it runs, and the limit past which a step's time is a lower bound."""

    name: str
    units: int
    small: int
    large: int
    steps: tuple[str, ...] = CORE
    indicators: int = 200
    departments: int = 25
    quarters: int = 4
    draws: int = 1000
    cap_s: float = 1800

    def workload(self, units: int | None = None) -> Workload:
        return Workload(units=units or self.units, indicators=self.indicators,
                        departments=self.departments, quarters=self.quarters)


PROFILES = {
    "full": Profile("full", 2000, 200, 20000),
    "scale": Profile("scale", 2000, 200, 20000, steps=SCALE),
    "smoke": Profile("smoke", 200, 20, 2000, cap_s=300),
    "tiny": Profile("tiny", 30, 10, 60, steps=CORE + SCALE[1:], indicators=40, departments=4, quarters=2,
                    draws=20, cap_s=120),
}


class Bench:
    """One benchmark run: the generated workspaces, the measurements."""

    def __init__(self, profile: Profile, work: Path, echo=print):
        self.profile, self.work, self.echo = profile, Path(work), echo
        self.results: dict[str, Measurement] = {}
        self.generated: dict[int, float] = {}
        # Prefect in ephemeral mode with a home of its own: nothing shared with other runs or servers
        self.env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        self.env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_HOME=str((self.work / ".prefect").resolve()))
        self.commands, self.command_problem = ks.kaoping_commands()

    def warm_prefect(self) -> None:
        """Prefect's database created and migrated once, unmeasured: on a fresh clone the first
        command to start Prefect's ephemeral API pays ~10 s for it, which no later run pays."""
        code = "from kaoping.flows.api import start_api; start_api()"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], env=self.env, capture_output=True, timeout=300)
        self.echo(f"  Prefect database ready ({time.perf_counter() - start:.1f} s, not measured)"
                  if done.returncode == 0 else "  Prefect warm-up failed: the first run pays its start-up")

    def workspace(self, units: int) -> Path:
        """The pristine generated workspace for `units` (generated once, reused when identical)."""
        start = time.perf_counter()
        folder, made = cached_workspace(self.profile.workload(units), self.work / f"gen-{self.profile.name}-{units}")
        if made:
            self.generated[units] = time.perf_counter() - start
        return folder

    def record(self, m: Measurement) -> Measurement:
        self.results[m.key] = m
        shown = f"{m.seconds:.2f} s" if m.seconds is not None else m.status
        self.echo(f"  {m.label}: {shown} {m.detail}".rstrip())
        return m

    def measure(self, key: str, command: list[str], units: int, ok_codes=(0,)) -> Measurement:
        m = Measurement(key, LABELS[key], units=units)
        log = self.work / "logs" / f"{key}.log"
        return self.record(run_measured(m, command, log, self.profile.cap_s, self.env, ok_codes))

    def unavailable(self, key: str, why: str, units: int) -> Measurement:
        return self.record(Measurement(key, LABELS[key], status=NOT_AVAILABLE, detail=why, units=units))

    def kaoping(self, key: str, workspace: Path, db_url: str, *args: str, units: int | None = None) -> Measurement:
        """A kaoping command, or 'not available' while the command does not exist."""
        units = units or self.profile.units
        if args[0] not in self.commands:
            return self.unavailable(key, self.command_problem or f"`kaoping {args[0]}` does not exist yet", units)
        # exit 1 means "done, but some files were rejected": still a complete run
        m = self.measure(key, ks.kaoping_command(workspace, db_url, *args), units, ok_codes=(0, 1))
        m.extra.update(ks.warehouse_summary(db_url, workspace))
        return m


def run_plan(bench: Bench) -> dict[str, Measurement]:
    """The profile's steps, each to completion (or to the profile's cap, then a lower bound)."""
    p, runs = bench.profile, bench.work / "runs"
    steps = set(p.steps)
    base = bench.workspace(p.units)
    load = json.dumps(p.workload().as_dict())
    if "bare_read" in steps:
        bench.measure("bare_read", python_step("bare-read", str(base)), p.units)
    measure_bare_writes(bench, steps, load)
    for key, draws in (("scoring", 0), ("scoring_sensitivity", p.draws)):
        if key in steps:
            bench.measure(key, python_step("scoring", load, str(draws)), p.units)
    bench.warm_prefect()
    if "ingest_sqlite" in steps:
        ws = copy_workspace(base, runs / "ingest")
        bench.kaoping("ingest_sqlite", ws, ks.sqlite_url(ws), "ingest")
    measure_sqlite_runs(bench, steps, copy_workspace(base, runs / "sqlite"))
    if "cold_postgres" in steps:
        measure_postgres(bench, base)
    if "scale_small" in steps:
        measure_scale(bench, "scale_small", p.small)
    if "scale_large" in steps:
        measure_scale(bench, "scale_large", p.large)
    if "naive" in steps:
        ws = copy_workspace(base, runs / "naive")
        bench.measure("naive", python_step("naive", str(ws), load), p.units)
    return bench.results


def measure_bare_writes(bench: Bench, steps: set[str], load: str) -> None:
    """The fact rows bulk-written into SQLite and PostgreSQL tables without indexes or constraints."""
    units = bench.profile.units
    if "bare_write" in steps:
        target = bench.work / "runs" / "bare-write.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        bench.measure("bare_write", python_step("bare-write", load, str(target)), units)
    if "bare_write_postgres" in steps:
        problem = ks.postgres_problem()
        if problem:
            bench.unavailable("bare_write_postgres", problem, units)
            return
        with ks.postgres_schema() as url:
            bench.measure("bare_write_postgres", python_step("bare-write", load, url), units)


def measure_scale(bench: Bench, key: str, units: int) -> None:
    """A cold run at another size, on a fresh copy of its generated workspace."""
    ws = copy_workspace(bench.workspace(units), bench.work / "runs" / f"scale-{units}")
    bench.kaoping(key, ws, ks.sqlite_url(ws), "run", units=units)


def measure_sqlite_runs(bench: Bench, steps: set[str], ws: Path) -> None:
    """Cold run, its outputs rewritten bare, a run with nothing new, one file replaced, a rescoring backfill."""
    url = ks.sqlite_url(ws)
    periods = bench.profile.workload().periods
    follow_ups = [(key, args) for key, args in (
        ("nochange_sqlite", ("run",)), ("replaced_sqlite", ("run",)),
        ("backfill_rescore", ("backfill", "--from", periods[0].code, "--to", periods[-1].code, "--rescore-only")),
    ) if key in steps]
    if "cold_sqlite" not in steps:
        return
    if bench.kaoping("cold_sqlite", ws, url, "run").status != OK:
        # a stopped or failed cold run leaves work undone: a re-run would measure that, not a re-run
        for key in [k for k, _ in follow_ups] + (["bare_output"] if "bare_output" in steps else []):
            bench.unavailable(key, "needs a completed cold run (the cold run did not complete)", bench.profile.units)
        return
    if "bare_output" in steps:
        target = bench.work / "runs" / "bare-output"
        shutil.rmtree(target, ignore_errors=True)
        bench.measure("bare_output", python_step("bare-output", str(ws / "out"), str(target)), bench.profile.units)
    for key, args in follow_ups:
        if key == "replaced_sqlite":
            shutil.copy2(replacement_file(ws), ws / "inbox" / "GA" / replacement_file(ws).name)
        bench.kaoping(key, ws, url, *args)


def measure_postgres(bench: Bench, base: Path) -> None:
    """The cold run on a fresh PostgreSQL schema (not available when the server is not)."""
    problem = ks.postgres_problem()
    if problem:
        bench.unavailable("cold_postgres", problem, bench.profile.units)
        return
    ws = copy_workspace(base, bench.work / "runs" / "postgres")
    with ks.postgres_schema() as url:
        bench.kaoping("cold_postgres", ws, url, "run")


def profile_named(name: str, **overrides) -> Profile:
    """A profile by name with some fields replaced (None values are ignored)."""
    return replace(PROFILES[name], **{k: v for k, v in overrides.items() if v is not None})
