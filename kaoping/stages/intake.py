"""The intake stage (SPEC §6): discover new inbox files, examine each, then load it or record the
rejection with its 问题清单 workbook. The inbox is never modified; processed files are archived by hash."""
from __future__ import annotations

import gc
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, ContextManager, Iterator

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from kaoping.core.layout import problem_list_path
from kaoping.reports.problem_list import write_problem_list
from kaoping.scoring.periods import sort_periods
from kaoping.sources import discovery
from kaoping.sources.context import readable
from kaoping.sources.examine import Examination, examine, failed_examination, finished, prepared, validated
from kaoping.sources.problems import Problem
from kaoping.sources.suites import Validator
from kaoping.stages.mailbox import MailReport, pull_mailbox
from kaoping.stages.resources import Resources
from kaoping.stages.timeliness import file_timeliness
from kaoping.warehouse.submissions import history_values, record_submission, settled_sha256

Prepare = Callable[[list["InboxFile"]], Iterator["Examination | None"]]

__all__ = ["InboxFile", "IngestOutcome", "IngestReport", "Validator", "discover", "process_file", "process_files",
           "ingest", "touched_periods"]

ROWS_PER_RUN = 250_000  # long-table rows validated in one GX run: few runs, yet bounded memory at any size


@dataclass(frozen=True)
class InboxFile:
    """A complete file found in the inbox; `department_hint` is the first folder below `inbox/`.

    `source` is kaoping's private copy of the bytes (`archive/<sha[:2]>/<sha><ext>`): the bytes
    hashed are the bytes parsed and archived, whatever happens to the inbox file meanwhile."""

    path: Path
    sha256: str
    size: int
    received_at: datetime
    department_hint: str | None
    source: Path | None = None
    recheck: bool = False  # a rejected file examined again (`kaoping ingest --recheck`)

    @property
    def readable_source(self) -> Path:
        return self.source or self.path


@dataclass
class IngestOutcome:
    sha256: str
    path: Path
    status: str  # accepted | rejected | duplicate | skipped (left for a later run) | refused (never read)
    department: str | None = None
    period: str | None = None
    catalog_code: str | None = None
    submission_id: int | None = None
    problems: list[Problem] = field(default_factory=list)
    problem_report: Path | None = None


@dataclass
class Scan:
    """What discovery found: `files` to process, `skipped` outcomes (still being written, vanished,
    hardlinked or outside the inbox) that nothing was read from."""

    files: list[InboxFile]
    skipped: list[IngestOutcome]


@dataclass
class IngestReport:
    outcomes: list[IngestOutcome]
    mail: "MailReport | None" = None

    @property
    def periods_touched(self) -> list[str]:
        """Periods that received an accepted submission, in time order."""
        return sort_periods(sorted({o.period for o in self.outcomes if o.status == "accepted" and o.period}))

    @property
    def rejected(self) -> list[IngestOutcome]:
        """Files rejected, and files refused unread (a hardlink, a file outside the inbox)."""
        return [o for o in self.outcomes if o.status in ("rejected", "refused")]


def scan(res: Resources, recheck: frozenset[str] = frozenset()) -> Scan:
    """The complete inbox files whose bytes have no standing examination (in received order, then
    path), each copied once into the archive; and the files left for a later run or refused, with why.

    A rejected file is examined again when the registries, catalogs or intake limits it was judged
    against have changed since, or when its SHA-256 is in `recheck`."""
    inbox = res.settings.inbox_dir
    if not inbox.is_dir():
        return Scan([], [])
    found = discovery.complete_files(inbox, res.settings.archive_dir, res.settings.intake.settle_s)
    files = [InboxFile(f.path, f.sha256, f.size, f.received_at, _hint(inbox, f.path), f.copy, f.sha256 in recheck)
             for f in found.files]
    with res.warehouse.reading() as session:
        known = settled_sha256(session, [f.sha256 for f in files], res.judged_with, recheck)
    unique: dict[str, InboxFile] = {}
    for f in sorted(files, key=lambda f: (f.received_at, str(f.path))):
        if f.sha256 not in known:
            unique.setdefault(f.sha256, f)  # the same bytes twice in the inbox are one submission
    skipped = [IngestOutcome("", path, status, problems=[problem]) for path, status, problem in found.left]
    return Scan(list(unique.values()), skipped)


def discover(res: Resources) -> list[InboxFile]:
    """The new complete inbox files of `scan`, in received order (then path)."""
    return scan(res).files


def _hint(inbox: Path, path: Path) -> str | None:
    parts = path.relative_to(inbox).parts
    return parts[0] if len(parts) > 1 else None


def _archived(res: Resources, inbox_file: InboxFile) -> Path:
    """The archive copy: made by discovery; files examined in place (tests) are copied now."""
    if inbox_file.source is not None:
        return inbox_file.source
    return discovery.archive_copy(inbox_file.path, res.settings.archive_dir)[0]


def _name_text(res: Resources, inbox_file: InboxFile) -> str:
    """The path below the inbox (folders and file name), where department and period may be named."""
    try:
        return str(inbox_file.path.relative_to(res.settings.inbox_dir))
    except ValueError:
        return inbox_file.path.name


def history_reader(res: Resources) -> Callable:
    """Earlier accepted values from the warehouse, for the jump check."""
    def read(units: list[str], indicators: list[str], period: str):
        with res.warehouse.reading() as session:
            return history_values(session, units, indicators, period)
    return read


def examine_file(res: Resources, path: Path, validator: Validator, department: str | None = None,
                 period: str | None = None, department_hint: str | None = None) -> Examination:
    """Examine a file without loading it (what `kaoping validate` runs)."""
    res.sync_dimensions()
    return examine(res, path, validator, path.name if department_hint is None else f"{department_hint}/{path.name}",
                   department_hint, department, period, history_reader(res))


def _lateness(res: Resources, exam: Examination, inbox_file: InboxFile) -> dict:
    """The file's own 报送时限 state (on_time | late and days late), when a deadline applies."""
    state = file_timeliness(res, exam.department, exam.period, inbox_file.received_at) if exam.accepted else None
    return {"timeliness": state.state if state else None, "days_late": state.days_late if state else None}


def _record(res: Resources, inbox_file: InboxFile, exam: Examination, archive: Path, report: Path | None) -> int | None:
    status = "accepted" if exam.accepted else "rejected"
    record = {"sha256": inbox_file.sha256, "file_name": exam.file, "inbox_path": readable(_name_text(res, inbox_file)),
              "archive_path": str(archive.relative_to(res.workspace)), "department_code": exam.department,
              "period": exam.period, "catalog_code": exam.catalog.code if exam.catalog else None,
              "shape": exam.shape or None, "sheet": exam.sheet, "status": status,
              "received_at": inbox_file.received_at, "processed_at": datetime.now(timezone.utc),
              "problem_report": str(report.relative_to(res.workspace)) if report else None,
              "receipt_pending": True, "judged_with": res.judged_with, **_lateness(res, exam, inbox_file)}
    recheck = frozenset({inbox_file.sha256}) if inbox_file.recheck else frozenset()
    try:
        with res.warehouse.write_lock() as session:
            if settled_sha256(session, [inbox_file.sha256], res.judged_with, recheck):
                return None  # another process examined the same bytes meanwhile
            return record_submission(session, record, exam.values, exam.problems)
    except IntegrityError:
        with res.warehouse.session() as session:
            if settled_sha256(session, [inbox_file.sha256], res.judged_with, recheck):
                return None  # another worker recorded the same bytes first
        raise


def _department_label(res: Resources, code: str | None) -> str | None:
    """`公安局（GA）` for a registered department code; the code itself otherwise."""
    if code is None:
        return None
    try:
        return f"{res.registry.department_name(code)}（{code}）"
    except (IndexError, KeyError):
        return code


def _loaded(res: Resources, inbox_file: InboxFile, exam: Examination) -> IngestOutcome:
    """A validated file archived, then loaded (accepted) or recorded with its 问题清单 (rejected)."""
    archive = _archived(res, inbox_file)
    report = None
    if not exam.accepted:
        report = write_problem_list(problem_list_path(res.settings.out_dir, exam.period, exam.department, exam.file),
                                    exam.problems, exam.sheet, exam.workbook.grid if exam.workbook else None,
                                    source=archive, department=_department_label(res, exam.department),
                                    period=exam.period)
    submission_id = _record(res, inbox_file, exam, archive, report)
    if submission_id is None:
        return IngestOutcome(inbox_file.sha256, inbox_file.path, "duplicate")
    return IngestOutcome(inbox_file.sha256, inbox_file.path, "accepted" if exam.accepted else "rejected",
                         exam.department, exam.period, exam.catalog.code if exam.catalog else None,
                         submission_id, exam.problems, report)


def prepared_file(res: Resources, inbox_file: InboxFile) -> Examination | None:
    """The file read and cleaned for validation, or None when its bytes were loaded before (a
    rejected file may be examined again: `scan` decided that).

    Touches the warehouse only to read, so other processes may prepare files meanwhile."""
    with res.warehouse.reading() as session:
        if settled_sha256(session, [inbox_file.sha256], None):
            return None
    try:
        return prepared(res, inbox_file.readable_source, _name_text(res, inbox_file), inbox_file.department_hint,
                        name=inbox_file.path.name)
    except (OSError, SQLAlchemyError):
        raise  # the environment (disk, database), not the file: the run stops and says so
    except Exception as exc:  # a fault of kaoping's own on this file: the file is recorded, intake goes on
        return failed_examination(inbox_file.path.name, exc)


def validated_files(res: Resources, inbox_files: list[InboxFile], validator: Validator,
                    guard: Callable[[], ContextManager] = nullcontext) -> list[Examination | None]:
    """`prepared_file` of each file, then the suite and the cell checks over them in one GX run:
    everything of a file's examination but the history check, which reads the warehouse as loaded.
    Each file's reading, and the run, under its own `guard()` (a memory budget)."""
    exams = []
    for inbox_file in inbox_files:
        with guard():
            exams.append(prepared_file(res, inbox_file))
    with guard():
        validated(res, [exam for exam in exams if exam is not None], validator)
    return exams


def _group_outcomes(res: Resources, group: list[tuple[InboxFile, Examination | None]], validator: Validator,
                    ) -> Iterator[IngestOutcome]:
    """One GX run over the group's files not validated yet, then each file finished and loaded in order (the history
    check of a file sees the values of the files loaded before it)."""
    validated(res, [exam for _, exam in group if exam is not None], validator)
    for inbox_file, exam in group:
        if exam is None:
            yield IngestOutcome(inbox_file.sha256, inbox_file.path, "duplicate")
            continue
        try:
            exam = finished(res, exam, history_reader(res))
        except (OSError, SQLAlchemyError):
            raise
        except Exception as exc:  # kaoping's own fault on this file: recorded for it, the others go on
            exam = failed_examination(inbox_file.path.name, exc)
        yield _loaded(res, inbox_file, exam)


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """Objects alive now (interpreter, GX, registries) hidden from the garbage collector meanwhile: the
    full collections that the millions of cells of a province trigger then stop re-walking them."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def process_files(res: Resources, inbox_files: list[InboxFile], validator: Validator,
                  prepare: Prepare | None = None) -> Iterator[IngestOutcome]:
    """Each inbox file examined, archived, then loaded or rejected in its own transaction, in order;
    files not validated yet are validated together, one GX run per ROWS_PER_RUN rows. Outcomes come
    as files finish.

    `prepare` maps the files to their `prepared_file` results in order (default: here, one by
    one); the orchestration passes one that reads and validates the next files in worker
    processes meanwhile (`validated_files`)."""
    res.sync_dimensions()
    exams = (prepare or (lambda files: (prepared_file(res, f) for f in files)))(inbox_files)
    with _long_lived_frozen():
        group: list[tuple[InboxFile, Examination | None]] = []
        for inbox_file, exam in zip(inbox_files, exams):
            group.append((inbox_file, exam))
            waiting = sum(exam.pending_rows for _, exam in group if exam is not None and not exam.suite_ran)
            if waiting >= ROWS_PER_RUN or not waiting:
                yield from _group_outcomes(res, group, validator)
                group = []
        yield from _group_outcomes(res, group, validator)


def process_file(res: Resources, inbox_file: InboxFile, validator: Validator) -> IngestOutcome:
    """Examine one inbox file, archive it, then load it (accepted) or record the rejection."""
    return list(process_files(res, [inbox_file], validator))[0]


def ingest(res: Resources, progress: Callable[[int, int, IngestOutcome], None] | None = None,
           prepare: Prepare | None = None, recheck: frozenset[str] = frozenset()) -> IngestReport:
    """New mail pulled into the inbox (when a mailbox is set), then every new complete inbox file, in
    received order; `progress(done, total, outcome)` after each; `prepare` as for `process_files`;
    `recheck`: SHA-256 of rejected files to examine again. Files skipped or refused by discovery
    come first."""
    res.sync_dimensions()
    mail = pull_mailbox(res)
    found = scan(res, recheck)
    files = found.files
    validator = Validator() if files else None
    outcomes = list(found.skipped)
    for done, outcome in enumerate(process_files(res, files, validator, prepare), start=1):
        outcomes.append(outcome)
        if progress:
            progress(done, len(files), outcome)
    return IngestReport(outcomes, mail)


def touched_periods(outcomes: list[IngestOutcome]) -> list[str]:
    """The periods that received an accepted file, in time order."""
    return IngestReport(outcomes).periods_touched
