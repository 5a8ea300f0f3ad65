"""What `make bench` measures, in which order, within which time budget."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchmarks import kaoping_steps as ks
from benchmarks.measure import NOT_AVAILABLE, OK, Measurement, python_step, run_measured
from benchmarks.steps import scoring_engine
from benchmarks.workload import Workload
from benchmarks.workspace_gen import cached_workspace, copy_workspace, replacement_file

SKIPPED = "skipped"
LABELS = {
    "bare_read": "1 bare read (calamine → DataFrames)",
    "naive": "2 naive stack (read_excel+GX per file+ORM rows+openpyxl)",
    "ingest_sqlite": "3a kaoping ingest alone, SQLite",
    "cold_sqlite": "3 kaoping run, cold, SQLite",
    "cold_postgres": "3 kaoping run, cold, PostgreSQL",
    "nochange_sqlite": "4 kaoping run, nothing new",
    "replaced_sqlite": "4 kaoping run, one file replaced",
    "backfill_rescore": "5 kaoping backfill --rescore-only, 4 quarters",
    "scoring": "6 scoring engine alone",
    "scoring_sensitivity": "6 scoring engine + sensitivity",
    "scale_small": "7 kaoping run, cold, small scale",
    "scale_large": "7 kaoping run, cold, large scale",
}


@dataclass(frozen=True)
class Profile:
    """A benchmark size and its time budget; caps bound single steps (a capped time is a lower bound)."""

    name: str
    units: int
    small: int
    large: int
    indicators: int = 200
    departments: int = 25
    quarters: int = 4
    draws: int = 1000
    budget_s: float = 840
    caps: dict = field(default_factory=dict)

    def workload(self, units: int | None = None) -> Workload:
        return Workload(units=units or self.units, indicators=self.indicators,
                        departments=self.departments, quarters=self.quarters)


PROFILES = {
    "full": Profile("full", 2000, 200, 20000, budget_s=840),
    "smoke": Profile("smoke", 200, 20, 2000, budget_s=105),
    "tiny": Profile("tiny", 30, 10, 60, indicators=40, departments=4, quarters=2, draws=20, budget_s=45),
}
# the order steps run in, and each one's share of the time left when it starts (unused time flows on)
WEIGHTS = {"bare_read": 0.2, "scoring": 0.2, "scoring_sensitivity": 0.3, "ingest_sqlite": 2, "cold_sqlite": 3,
           "nochange_sqlite": 0.5, "replaced_sqlite": 1.5, "backfill_rescore": 1.5, "cold_postgres": 3,
           "scale_small": 0.8, "naive": 4, "scale_large": 6}


class Bench:
    """One benchmark run: the generated workspaces, the measurements, the clock."""

    def __init__(self, profile: Profile, work: Path, echo=print):
        self.profile, self.work, self.echo = profile, Path(work), echo
        self.deadline = time.monotonic() + profile.budget_s
        self.results: dict[str, Measurement] = {}
        self.generated: dict[int, float] = {}
        # Prefect in ephemeral mode with a home of its own: nothing shared with other runs or servers
        self.env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        self.env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_HOME=str((self.work / ".prefect").resolve()))
        self.commands, self.command_problem = ks.kaoping_commands()

    def warm_prefect(self) -> None:
        """Prefect's database created and migrated once, unmeasured: on a fresh clone the first
        command to start Prefect's ephemeral API pays ~10 s for it, which no later run pays."""
        code = "import flows; from flows.api import start_api; start_api()"
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

    def timeout(self, key: str) -> float:
        """This step's share of the time left, by weight among the steps not yet run."""
        order = list(WEIGHTS)
        waiting = sum(WEIGHTS[k] for k in order[order.index(key):])
        left = self.deadline - time.monotonic()
        # a cheap step still gets a fair minimum, as long as the budget lasts
        share = max(left * WEIGHTS[key] / waiting, min(left, 30, self.profile.budget_s / 4))
        return min(self.profile.caps.get(key, share), share)

    def record(self, m: Measurement) -> Measurement:
        self.results[m.key] = m
        shown = f"{m.seconds:.2f} s" if m.seconds is not None else m.status
        self.echo(f"  {m.label}: {shown} {m.detail}".rstrip())
        return m

    def measure(self, key: str, command: list[str], units: int, ok_codes=(0,)) -> Measurement:
        m = Measurement(key, LABELS[key], units=units)
        limit = self.timeout(key)
        if limit < 1:
            m.status, m.detail = SKIPPED, "the benchmark's time budget was used up"
            return self.record(m)
        return self.record(run_measured(m, command, self.work / "logs" / f"{key}.log", limit, self.env, ok_codes))

    def unavailable(self, key: str, why: str, units: int) -> Measurement:
        return self.record(Measurement(key, LABELS[key], status=NOT_AVAILABLE, detail=why, units=units))

    def kaoping(self, key: str, workspace: Path, db_url: str, *args: str, units: int | None = None) -> Measurement:
        """A kaoping command, or 'not available' while the command does not exist yet."""
        units = units or self.profile.units
        if args[0] not in self.commands:
            return self.unavailable(key, self.command_problem or f"`kaoping {args[0]}` does not exist yet", units)
        # exit 1 means "done, but some files were rejected": still a complete run
        m = self.measure(key, ks.kaoping_command(workspace, db_url, *args), units, ok_codes=(0, 1))
        if m.status != SKIPPED:
            m.extra.update(ks.warehouse_summary(db_url, workspace))
        return m


def run_plan(bench: Bench) -> dict[str, Measurement]:
    """Every step, in the order of WEIGHTS."""
    p, runs = bench.profile, bench.work / "runs"
    base = bench.workspace(p.units)
    load = json.dumps(p.workload().as_dict())
    bench.measure("bare_read", python_step("bare-read", str(base)), p.units)
    for key, draws in (("scoring", 0), ("scoring_sensitivity", p.draws)):
        if scoring_engine() is None:
            bench.unavailable(key, "scoring.engine.score_period does not exist yet", p.units)
        else:
            bench.measure(key, python_step("scoring", load, str(draws)), p.units)
    bench.warm_prefect()
    ws = copy_workspace(base, runs / "ingest")
    bench.kaoping("ingest_sqlite", ws, ks.sqlite_url(ws), "ingest")
    measure_sqlite_runs(bench, copy_workspace(base, runs / "sqlite"))
    measure_postgres(bench, base)
    measure_scale(bench, "scale_small", p.small)
    ws = copy_workspace(base, runs / "naive")
    bench.measure("naive", python_step("naive", str(ws), load), p.units)
    measure_scale(bench, "scale_large", p.large)
    return bench.results


def measure_scale(bench: Bench, key: str, units: int) -> None:
    """A cold run at another size; its workspace is not even generated once the budget is spent."""
    if bench.deadline - time.monotonic() < 1:
        bench.record(Measurement(key, LABELS[key], status=SKIPPED, units=units,
                                 detail="the benchmark's time budget was used up"))
        return
    ws = copy_workspace(bench.workspace(units), bench.work / "runs" / f"scale-{units}")
    bench.kaoping(key, ws, ks.sqlite_url(ws), "run", units=units)


def measure_sqlite_runs(bench: Bench, ws: Path) -> None:
    """Cold run, run with nothing new, run with one file replaced, rescoring backfill: one workspace."""
    url = ks.sqlite_url(ws)
    periods = bench.profile.workload().periods
    follow_ups = (("nochange_sqlite", ("run",)), ("replaced_sqlite", ("run",)),
                  ("backfill_rescore", ("backfill", "--from", periods[0].code, "--to", periods[-1].code,
                                        "--rescore-only")))
    if bench.kaoping("cold_sqlite", ws, url, "run").status != OK:
        # a stopped or failed cold run leaves work undone: a re-run would measure that, not a re-run
        for key, _args in follow_ups:
            bench.unavailable(key, "needs a completed cold run (the cold run did not complete)", bench.profile.units)
        return
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
