"""Prefect artifacts of a run, handed to Prefect; kaoping.stages.artifacts builds their content."""
from __future__ import annotations

from pathlib import Path

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from kaoping.stages import artifacts as content
from kaoping.stages.resources import Resources


def post_versions(res: Resources, versions: list) -> None:
    """The markdown artifact of every period's state and its 通报 (SPEC §11)."""
    create_markdown_artifact(content.versions_content(res, versions), key="versions")


def post_ranking(res: Resources, run_id: int) -> None:
    """A table artifact of the run's top and bottom units."""
    rows, key, description = content.ranking_content(res, run_id)
    create_table_artifact(rows, key=key, description=description)


def post_intake(res: Resources, outcomes: list) -> None:
    """The markdown intake summary."""
    create_markdown_artifact(content.intake_content(res, outcomes), key="intake")


def post_outputs(period: str, paths: list[Path]) -> None:
    """The markdown list of links to the period's files."""
    create_markdown_artifact(content.outputs_markdown(period, paths), key=content.artifact_key("outputs", period))
