"""The warehouse schema (SPEC §7): the one place that declares every table.

Layers, each reading only the one below: `submission` + `fact_value` (clean values with their
source cells) → `fact_score` → `fact_category_score` / `fact_ranking` → workbooks.
docs/warehouse.md describes the tables for analysts who query them directly.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, CheckConstraint, DateTime, Float, ForeignKey,
                        ForeignKeyConstraint, Index, Integer, MetaData, String, Text, TypeDecorator,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SUBMISSION_STATUSES = ("accepted", "rejected", "superseded")
RUN_STATUSES = ("draft", "published")


def _as_utc(value: datetime | None) -> datetime | None:
    """The same instant as an aware UTC datetime; a naive one is taken to be UTC already."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back timezone-aware, on SQLite and PostgreSQL alike."""

    # SQLite's DATETIME drops the offset: 09:00+08:00 would come back as 09:00 (taken for UTC)
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return _as_utc(value)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return _as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DimUnit(Base):
    """One row per assessed unit (被考评单位), as in units.csv."""

    __tablename__ = "dim_unit"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    parent: Mapped[str | None] = mapped_column(String(64))
    group_code: Mapped[str | None] = mapped_column("group", String(64))
    aliases: Mapped[str] = mapped_column(Text, default="")  # `|`-separated, as in units.csv
    valid_from: Mapped[str | None] = mapped_column(String(16))
    valid_to: Mapped[str | None] = mapped_column(String(16))


class DimDepartment(Base):
    """One row per reporting department (报送部门), as in departments.csv."""

    __tablename__ = "dim_department"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(Text, default="", server_default="")  # `|`-separated sender addresses


class DimRecipient(Base):
    """One row per recipient address, as in recipients.csv."""

    __tablename__ = "dim_recipient"
    recipient: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class DimCatalog(Base):
    """One row per catalog (考评细则) code; `sha256` is of the YAML text last loaded."""

    __tablename__ = "dim_catalog"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    assessed_kind: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DimIndicator(Base):
    """One row per catalog × indicator (every kind: scored, bonus, penalty, veto, input, derived)."""

    __tablename__ = "dim_indicator"
    catalog_code: Mapped[str] = mapped_column(ForeignKey("dim_catalog.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str | None] = mapped_column(String(64))
    category_name: Mapped[str | None] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")
    source_department: Mapped[str | None] = mapped_column(ForeignKey("dim_department.code"))
    method: Mapped[str | None] = mapped_column(String(16))
    direction: Mapped[str | None] = mapped_column(String(16))
    points: Mapped[float | None] = mapped_column(Float)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    __table_args__ = (CheckConstraint(_in("kind", ("scored", "bonus", "penalty", "veto", "input",
                                                    "derived", "deduction")), name="kind"),)


class DimPeriod(Base):
    """One row per period (考评期间) the warehouse has seen."""

    __tablename__ = "dim_period"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    grain: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    ordinal: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(32))
    __table_args__ = (CheckConstraint(_in("grain", ("year", "quarter", "month")), name="grain"),
                      UniqueConstraint("grain", "ordinal"))


class Submission(Base):
    """One row per file received (报送): accepted, rejected or superseded; never deleted."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(Text)
    inbox_path: Mapped[str] = mapped_column(Text)
    archive_path: Mapped[str | None] = mapped_column(Text)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("dim_department.code"))
    period: Mapped[str | None] = mapped_column(ForeignKey("dim_period.code"))
    catalog_code: Mapped[str | None] = mapped_column(ForeignKey("dim_catalog.code"))
    shape: Mapped[str | None] = mapped_column(String(16))
    sheet: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    value_count: Mapped[int] = mapped_column(Integer, default=0)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    problem_report: Mapped[str | None] = mapped_column(Text)  # path of the 问题清单 workbook
    # 报送时限 of this file at intake (SPEC §10): on_time | late, with its days late; NULL: no deadline
    timeliness: Mapped[str | None] = mapped_column(String(16))
    days_late: Mapped[int | None] = mapped_column(Integer)
    # a 回执 / 退回 is still owed to the department (rows older than the receipts owe none)
    receipt_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # SHA-256 of the registries, catalogs and intake limits the file was judged against: a rejected
    # file judged against other ones is examined again (NULL: before this was kept)
    judged_with: Mapped[str | None] = mapped_column(String(64))
    rechecked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the last re-examination
    __table_args__ = (
        CheckConstraint(_in("status", SUBMISSION_STATUSES), name="status"),
        CheckConstraint("status = 'rejected' OR (department_code IS NOT NULL AND period IS NOT NULL "
                        "AND catalog_code IS NOT NULL)", name="loaded_has_keys"),
        CheckConstraint("status <> 'accepted' OR error_count = 0", name="accepted_has_no_errors"),
        CheckConstraint("(status = 'superseded') = (superseded_by IS NOT NULL)", name="superseded_link"),
        # one current accepted submission per department × period × catalog
        Index("uq_submission_current", "department_code", "period", "catalog_code", unique=True,
              sqlite_where=text("status = 'accepted'"), postgresql_where=text("status = 'accepted'")),
    )


class SubmissionProblem(Base):
    """One row per problem found in a submission (error or warning), with its cell."""

    __tablename__ = "submission_problem"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(64))
    sheet: Mapped[str | None] = mapped_column(Text)
    cell: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    expected: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    __table_args__ = (CheckConstraint(_in("severity", ("error", "warning")), name="severity"),)


class FactValue(Base):
    """One row per unit × indicator × period × submission: a clean value and where it came from."""

    __tablename__ = "fact_value"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("dim_unit.code"))
    catalog_code: Mapped[str] = mapped_column(String(64))
    indicator_code: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(ForeignKey("dim_period.code"))
    value: Mapped[float | None] = mapped_column(Float)  # NULL: the sender marked it missing (—, 无 …)
    raw_text: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[str] = mapped_column(Text, default="")  # `;`-separated, e.g. 文字已去除
    sheet: Mapped[str | None] = mapped_column(Text)
    cell: Mapped[str | None] = mapped_column(String(16))
    __table_args__ = (
        UniqueConstraint("submission_id", "unit_code", "indicator_code"),
        ForeignKeyConstraint(["catalog_code", "indicator_code"],
                             ["dim_indicator.catalog_code", "dim_indicator.code"]),
        Index("ix_fact_value_lookup", "catalog_code", "period", "indicator_code"),
    )


class ScoreRun(Base):
    """One row per scoring of one period under one catalog (评分批次); published rows are immutable."""

    __tablename__ = "score_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(ForeignKey("dim_period.code"))
    catalog_code: Mapped[str] = mapped_column(ForeignKey("dim_catalog.code"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    input_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    data_cutoff_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    produced_by: Mapped[dict] = mapped_column(JSON, default=dict)  # host, user, version
    # set when published inside a review window (征求意见稿, SPEC §11): the window's end; NULL: final at once
    review_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        CheckConstraint("(status = 'published') = (published_at IS NOT NULL)", name="published_at"),
        Index("ix_score_run_period", "catalog_code", "period"),
    )


class FactScore(Base):
    """One row per run × unit × scored/bonus/penalty/veto indicator: value used, score, flags."""

    __tablename__ = "fact_score"
    run_id: Mapped[int] = mapped_column(ForeignKey("score_run.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("dim_unit.code"), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_used: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)  # NULL: excluded (不计分)
    points: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[str] = mapped_column(Text, default="")  # 缺报 / 沿用上期 / 不计分, `;`-separated
    value_period: Mapped[str | None] = mapped_column(String(16))  # period the value came from
    fact_value_id: Mapped[int | None] = mapped_column(ForeignKey("fact_value.id"))  # lineage
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: what a §4b rule used (band, segment, reference…)


class FactCategoryScore(Base):
    """One row per run × unit × category (一级指标): the category score."""

    __tablename__ = "fact_category_score"
    run_id: Mapped[int] = mapped_column(ForeignKey("score_run.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("dim_unit.code"), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)


class FactRanking(Base):
    """One row per run × ranked unit: totals, rank, grade, veto, rank change, alerts."""

    __tablename__ = "fact_ranking"
    run_id: Mapped[int] = mapped_column(ForeignKey("score_run.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("dim_unit.code"), primary_key=True)
    group_code: Mapped[str | None] = mapped_column("group", String(64))
    category_total: Mapped[float] = mapped_column(Float)  # after `exclude` rescaling, before bonus
    bonus: Mapped[float] = mapped_column(Float)
    penalty: Mapped[float] = mapped_column(Float)
    total: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(32))
    is_vetoed: Mapped[bool] = mapped_column(Boolean)
    rank_change: Mapped[int | None] = mapped_column(Integer)
    alerts: Mapped[str] = mapped_column(Text, default="")  # `;`-separated: 连续末位, 等次下降
    median_rank: Mapped[float | None] = mapped_column(Float)
    rank_p05: Mapped[float | None] = mapped_column(Float)
    rank_p95: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: grade effects, the parts of a combined year
    __table_args__ = (CheckConstraint("rank >= 1", name="rank_positive"),)


class Adjustment(Base):
    """One row per recorded override of one value (人工调整): append-only, never changed or deleted.

    The scoring of `period` uses the newest adjustment of each unit × indicator in place of the
    value sent (whatever department sends or resends files); `fact_score_adjustment` links the
    scores it made to it.
    """

    __tablename__ = "adjustment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(ForeignKey("dim_period.code"))
    catalog_code: Mapped[str] = mapped_column(String(64))
    indicator_code: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(ForeignKey("dim_unit.code"))
    value: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(Text, default="")  # `kaoping adjust`, or the sheet file, sheet and row
    __table_args__ = (
        ForeignKeyConstraint(["catalog_code", "indicator_code"],
                             ["dim_indicator.catalog_code", "dim_indicator.code"]),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint("length(trim(author)) > 0", name="author_given"),
        Index("ix_adjustment_lookup", "period", "indicator_code", "unit_code"),
    )


class FactScoreAdjustment(Base):
    """Lineage of adjusted scores: run × unit × indicator → the adjustment whose value it used."""

    __tablename__ = "fact_score_adjustment"
    run_id: Mapped[int] = mapped_column(ForeignKey("score_run.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("dim_unit.code"), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    adjustment_id: Mapped[int] = mapped_column(ForeignKey("adjustment.id"))


class RunFinalization(Base):
    """One row per review version made final (定稿, SPEC §11): append-only, never changed or deleted.

    A run published with `review_until` is a review version (征求意见稿) until it has a row here; the
    period is then closed: no adjustment and no new scoring.
    """

    __tablename__ = "run_finalization"
    run_id: Mapped[int] = mapped_column(ForeignKey("score_run.id"), primary_key=True)
    period: Mapped[str] = mapped_column(ForeignKey("dim_period.code"))
    finalized_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finalized_by: Mapped[str] = mapped_column(String(200))  # the login name, or `nightly` when the window closed
    __table_args__ = (Index("ix_run_finalization_period", "period"),)


DISTRIBUTION_KINDS = ("outputs", "receipt", "return", "reminder")


class Distribution(Base):
    """One row per file × recipient send attempt outcome; a sent file is never sent again.

    Receipts, returns and reminders (SPEC §10) are rows too: `sha256` is then that of the
    submission the message answers, or of the reminder's key, so each goes out at most once."""

    __tablename__ = "distribution"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320), default="")  # empty for the outbox channel
    period: Mapped[str] = mapped_column(String(16))
    file_path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16), default="outputs", server_default="outputs")
    subject: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(_in("kind", DISTRIBUTION_KINDS), name="kind"),
        CheckConstraint(_in("channel", ("smtp", "outbox")), name="channel"),
        CheckConstraint(_in("status", ("sent", "failed")), name="status"),
        # a file answered by a 退回 and, examined again, by a 回执 has both: the kind is in the key
        Index("uq_distribution_sent", "recipient", "email", "sha256", "kind", unique=True,
              sqlite_where=text("status = 'sent'"), postgresql_where=text("status = 'sent'")),
    )


MAIL_STATUSES = ("taken", "unknown_sender", "no_spreadsheet", "too_large")


class MailMessage(Base):
    """One row per message seen in the intake mailbox (SPEC §10), by its Message-ID.

    `taken`: its spreadsheets were saved to the inbox and it was moved to the processed folder;
    the other statuses are messages left in place, listed by `kaoping status`."""

    __tablename__ = "mail_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(Text, unique=True)
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("dim_department.code"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    moved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    __table_args__ = (CheckConstraint(_in("status", MAIL_STATUSES), name="status"),)


class MailAttachment(Base):
    """One row per spreadsheet saved from a message (a .zip member counts as its own file)."""

    __tablename__ = "mail_attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("mail_message.id"))
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    inbox_path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("message_pk", "sha256"),)
