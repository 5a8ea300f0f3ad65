"""A deterministic province-scale kaoping workspace: registries, catalog, 100 department files."""
from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.sheets import clean_sheet, file_plan, messy_sheet, write_sheet
from benchmarks.workload import (Workload, catalog_text, department_frame, department_table, unit_table,
                                 workload_catalog)
from kaoping.cli.init import init_workspace

MARKER = ".bench-workload.json"
REPLACEMENT_DIR = "bench-replacement"
GENERATOR_MODULES = ("catalog_gen.py", "sheets.py", "workload.py", "workspace_gen.py")


def generator_marker(work: Workload) -> dict:
    """What a generated workspace was made from: the workload and the generator's own source."""
    digest = hashlib.sha256()
    for name in GENERATOR_MODULES:
        digest.update((Path(__file__).with_name(name)).read_bytes())
    return {**work.as_dict(), "generator": digest.hexdigest()[:16]}


def _header_text(ind, fmt: str, messy: bool) -> str:
    """Indicator columns by alias (messy files), by code (clean xls) or by name."""
    if messy and ind.aliases:
        return ind.aliases[0]
    return ind.code if fmt == "xls" and not messy else ind.name


def department_file(work: Workload, folder: Path, dept_index: int, quarter: int, revision: int = 0) -> Path:
    """Write one department's file for one quarter into `folder`; returns its path."""
    code, name = department_table(work.departments).iloc[dept_index][["code", "name"]]
    fmt, messy = file_plan(dept_index, quarter)
    fmt = "xlsx" if revision else fmt
    period = work.periods[quarter - 1]
    indicators = workload_catalog(work).collected(code)
    values = department_frame(work, code, quarter, revision)
    columns = [values[ind.code].tolist() for ind in indicators]
    units = list(unit_table(work.units)[["code", "name"]].itertuples(index=False, name=None))
    names = [_header_text(ind, fmt, messy) for ind in indicators]
    if messy:
        sheet = messy_sheet(f"{period.label}{name}平安建设考评指标报送表", names,
                            [ind.unit for ind in indicators], units, columns)
        stem = f"{name}{period.label}平安建设指标报送表"
    else:
        sheet = clean_sheet(names, units, columns)
        stem = f"{name}_{period.code}" + ("_更正" if revision else "")
    return write_sheet(folder / stem, fmt, sheet)


def _write_job(args: tuple[Workload, str, int, int, int]) -> str:
    work, folder, dept_index, quarter, revision = args
    code = department_table(work.departments).iloc[dept_index]["code"]
    target = Path(folder) / code if not revision else Path(folder)
    return str(department_file(work, target, dept_index, quarter, revision))


def _write_registries(work: Workload, folder: Path) -> None:
    unit_table(work.units).to_csv(folder / "units.csv", index=False, encoding="utf-8")
    department_table(work.departments).to_csv(folder / "departments.csv", index=False, encoding="utf-8")
    (folder / "catalog" / "bench.yaml").write_text(catalog_text(work), encoding="utf-8")


def generate_workspace(work: Workload, folder: Path, workers: int = 2) -> Path:
    """Create the workspace in `folder` (replacing it) with every department file of every quarter.

    The corrected resubmission used by the benchmark's "one file replaced" step is written
    outside the inbox, in `bench-replacement/`.
    """
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    init_workspace(folder)
    _write_registries(work, folder)
    jobs = [(work, str(folder / "inbox"), d, q, 0)
            for d in range(work.departments) for q in range(1, work.quarters + 1)]
    jobs.append((work, str(folder / REPLACEMENT_DIR), 0, work.quarters, 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_write_job, jobs, chunksize=1))
    (folder / MARKER).write_text(json.dumps(generator_marker(work)), encoding="utf-8")
    return folder


def cached_workspace(work: Workload, folder: Path) -> tuple[Path, bool]:
    """The workspace for `work` in `folder`, generated unless an identical one is already there."""
    marker = Path(folder) / MARKER
    if marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == generator_marker(work):
        return Path(folder), False
    return generate_workspace(work, folder), True


def inbox_files(folder: Path) -> list[Path]:
    """Every department file in a workspace's inbox, in a stable order."""
    return sorted(p for p in (Path(folder) / "inbox").rglob("*") if p.is_file())


def replacement_file(folder: Path) -> Path:
    """The corrected resubmission waiting outside the inbox."""
    return next(p for p in (Path(folder) / REPLACEMENT_DIR).iterdir() if p.is_file())


def copy_workspace(source: Path, target: Path) -> Path:
    """A fresh copy of a pristine generated workspace (runs change their workspace)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target
