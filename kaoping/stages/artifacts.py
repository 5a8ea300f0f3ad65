"""The content of a run's Prefect artifacts: the ranking's top and bottom units, the intake
summary, the output files, each period's state; kaoping.flows.artifacts hands it to Prefect."""
from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from kaoping.core.display import clean, markdown
from kaoping.core.layout import bulletin_path
from kaoping.scoring.deadlines import on_time_rate
from kaoping.stages import artifact_texts as texts
from kaoping.stages.intake import touched_periods
from kaoping.stages.resources import Resources
from kaoping.stages.state import missing_departments, submissions
from kaoping.stages.timeliness import department_states
from kaoping.warehouse.models import ScoreRun
from kaoping.warehouse.queries import ranking_rows

EXTREMES = 5


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key (lower-case letters, digits and dashes only)."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


def extremes(ranking: pd.DataFrame, n: int = EXTREMES) -> pd.DataFrame:
    """The first and last `n` rows of a ranking (all of it when it is short), with a position label."""
    if len(ranking) <= 2 * n:
        return ranking.assign(position="")
    return pd.concat([ranking.head(n).assign(position=texts.TOP),
                      ranking.tail(n).assign(position=texts.BOTTOM)])


def ranking_table(ranking: pd.DataFrame) -> list[dict]:
    """Rows for the table artifact: Chinese headers (none empty), totals to 2 decimals, vetoes marked."""
    shown = extremes(ranking)
    rows = []
    split = (shown["position"] != "").any()  # a position column only where top and bottom are shown apart
    for record in shown.to_dict("records"):
        row = {texts.POSITION: record["position"]} if split else {}
        row |= {texts.RANKING_COLUMNS[k]: record.get(k) for k in texts.RANKING_COLUMNS}
        row[texts.RANKING_COLUMNS["total"]] = f"{record['total']:.2f}"
        row[texts.RANKING_COLUMNS["is_vetoed"]] = texts.VETOED if record.get("is_vetoed") else ""
        rows.append({k: ("" if v is None or v != v else clean(v) if isinstance(v, str) else v) for k, v in row.items()})
    return rows


def _reasons(outcome) -> str:
    errors = [p.message for p in getattr(outcome, "problems", []) if p.severity == "error"]
    return markdown("；".join(errors[:3]))


def timeliness_lines(res: Resources, period: str) -> list[str]:
    """报送时限 of the period: the on-time rate, then each department's state."""
    states = department_states(res, period)
    rate = on_time_rate(states)
    head = texts.TIMELINESS.format(period=period, rate="—" if rate is None else f"{rate:.0%}")
    return [head, *(f"  - {s.name}（{s.code}）：{s.label}" for s in states)]


def intake_markdown(outcomes: list, missing: dict[str, list[str]],
                    timeliness: dict[str, list[str]] | None = None) -> str:
    """The intake summary: one line per file, then the departments still missing and each
    department's 报送时限 state per period."""
    lines = [texts.INTAKE_TITLE, ""]
    if outcomes:
        lines.append(texts.INTAKE_HEADER)
        for o in outcomes:
            cells = (Path(o.path).name, o.department or texts.UNKNOWN, o.period or texts.UNKNOWN,
                     texts.STATUS.get(o.status, o.status))
            lines.append(f"| {' | '.join(map(markdown, cells))} | {_reasons(o)} |")
    else:
        lines.append(texts.NOTHING_NEW)
    lines.append("")
    for period, departments in missing.items():
        lines.append("- " + (texts.MISSING.format(period=period, departments="、".join(map(markdown, departments)))
                             if departments else texts.NONE_MISSING.format(period=period)))
    for period, period_lines in (timeliness or {}).items():
        lines += ["", *(f"- {line}" if k == 0 else line for k, line in enumerate(period_lines))]
    return "\n".join(lines)


# a folder of more files than this is one link with its count: a province's 2,000 feedback
# workbooks listed one by one made a 3 MB artifact, over the size Prefect's events accept
FILES_LISTED = 50


def outputs_markdown(period: str, paths: list[Path]) -> str:
    """Links to the period's output files; a folder of many files (the feedback workbooks) as one link."""
    folders: dict[Path, list[Path]] = {}
    for p in sorted(Path(p) for p in paths):
        folders.setdefault(p.parent, []).append(p)
    lines = [texts.OUTPUTS_TITLE.format(period=period), ""]
    for folder, files in folders.items():
        if len(files) > FILES_LISTED:
            lines.append(texts.FOLDER_FILES.format(folder=markdown(folder.name), uri=folder.resolve().as_uri(),
                                                   n=len(files)))
        else:
            lines += [f"- [{markdown(p.name)}]({p.resolve().as_uri()})" for p in files]
    return "\n".join(lines)


def versions_markdown(versions: list, labels: dict[str, str], bulletins: dict[str, list[Path]]) -> str:
    """Each period's state (草稿 / 征求意见中 / 已定稿, `labels`) and links to its 通报."""
    lines = [texts.VERSIONS_TITLE, "", texts.VERSIONS_HEADER]
    for v in versions:
        links = "<br>".join(f"[{markdown(p.name)}]({p.resolve().as_uri()})" for p in bulletins.get(v.period, []))
        lines.append(f"| {markdown(v.period)} | {markdown(labels[v.period])} | {links or texts.NO_BULLETIN} |")
    return "\n".join(lines)


def versions_content(res: Resources, versions: list) -> str:
    """The markdown of every period's state and its 通报 (SPEC §11)."""
    tz = ZoneInfo(res.settings.schedule.timezone)
    bulletins = {v.period: [path for c in res.catalogs_for(v.period)
                            if (path := bulletin_path(res.settings.out_dir, c.code, v.period)).is_file()]
                 for v in versions if v.state == "final"}
    return versions_markdown(versions, {v.period: v.label(tz) for v in versions}, bulletins)


def ranking_content(res: Resources, run_id: int) -> tuple[list[dict], str, str]:
    """The table artifact of a run's top and bottom units: rows, key and description."""
    with res.warehouse.reading() as session:
        run = session.get(ScoreRun, run_id)
        ranking = ranking_rows(session, run_id)
    return (ranking_table(ranking), artifact_key("ranking", run.catalog_code, run.period),
            texts.RANKING_DESCRIPTION.format(catalog=run.catalog_code, period=run.period, n=EXTREMES, run_id=run_id))


def intake_content(res: Resources, outcomes: list) -> str:
    """The intake summary of `outcomes`, with the departments missing and the 报送时限 of each period
    that received an accepted file."""
    periods = touched_periods(outcomes)
    missing = {p: missing_departments(res, p, submissions(res, p)) for p in periods}
    return intake_markdown(outcomes, missing, {p: timeliness_lines(res, p) for p in periods})
