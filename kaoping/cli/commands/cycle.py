"""The 报送 cycle on the command line (SPEC §10): `kaoping remind`, and what `status`, `ingest` and
`run` add: timeliness per department, mail left in the mailbox, reminders sent, receipts."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import typer
from rich.table import Table
from sqlalchemy import select

from kaoping.cli.app import EXIT_OK, PERIOD_HELP, app, checked_resources, console, period_code
from kaoping.core.display import cell, line
from kaoping.scoring.deadlines import on_time_rate
from kaoping.sources.messages import MAIL_STATUS
from kaoping.stages.receipts import send_receipts
from kaoping.stages.reminders import send_reminders
from kaoping.stages.resources import Resources
from kaoping.stages.timeliness import department_states, local_date
from kaoping.warehouse.mail import left_messages
from kaoping.warehouse.models import Distribution

STATE_COLOURS = {"按时": "green", "缺报": "red", "未到期": "dim"}


def print_mail(report) -> None:
    """The mailbox pull in one or two lines: files saved, messages left, or the mailbox down."""
    if report is None:
        return
    if report.down:
        console.print(line(("警告 / warning", "yellow"), f": {report.down}"), highlight=False, soft_wrap=True)
    if report.saved:
        console.print(f"邮箱收取附件 / from the mailbox: {len(report.saved)} 个文件", highlight=False)
    if report.left:
        console.print(f"邮箱中未接收的邮件 / left in the mailbox: {len(report.left)}（详见 kaoping status）",
                      highlight=False)


def print_sent(outcomes: list, what: str) -> None:
    """`回执/退回 已发送 3，失败 0` when anything was sent."""
    if outcomes:
        failed = sum(o.status != "sent" for o in outcomes)
        console.print(f"{what}：已发送 / sent {len(outcomes) - failed}，失败 / failed {failed}", highlight=False)


def send_cycle_messages(res: Resources) -> None:
    """Receipts still owed and reminders due, sent and summarised (no Prefect needed)."""
    print_sent(send_receipts(res), "回执/退回 / receipts")
    print_sent(send_reminders(res), "催报 / reminders")


def timeliness_table(res: Resources, period: str) -> Table:
    """Each department × the period: name (code), deadline, first accepted file, state; fits 80 columns."""
    states = department_states(res, period)
    rate = on_time_rate(states)
    title = f"{period} 报送时限 / timeliness（按时报送率 / on time: {'—' if rate is None else f'{rate:.0%}'}）"
    table = Table(title=title, title_justify="left")
    for header in ("部门 / department", "截止 / due", "首次接收 / first", "状态 / state"):
        table.add_column(header, overflow="fold")
    for s in states:
        colour = STATE_COLOURS.get(s.label, "yellow")
        table.add_row(cell(f"{s.name}（{s.code}）"), f"{s.deadline:%m-%d}" if s.deadline else "—",
                      f"{local_date(res, s.first_received):%m-%d}" if s.first_received else "—",
                      cell(s.label, colour))
    return table


def mail_left_table(res: Resources) -> Table | None:
    """Messages left in the intake mailbox (unknown sender, no spreadsheet, too large)."""
    with res.warehouse.reading() as session:
        left = left_messages(session)
    if left.empty:
        return None
    table = Table(title="邮箱中未接收的邮件 / mail left in the mailbox", title_justify="left")
    for header in ("发件人 / sender", "主题 / subject", "原因 / reason"):
        table.add_column(header, overflow="fold")
    for row in left.itertuples():
        table.add_row(cell(row.sender), cell(row.subject), cell(f"{MAIL_STATUS.get(row.status, row.status)}：{row.note}"))
    return table


def reminders_table(res: Resources, period: str | None) -> Table | None:
    """Reminders sent (period, department, when, channel)."""
    stmt = select(Distribution).where(Distribution.kind == "reminder", Distribution.status == "sent")
    if period:
        stmt = stmt.where(Distribution.period == period)
    with res.warehouse.reading() as session:
        rows = list(session.scalars(stmt.order_by(Distribution.sent_at)))
    if not rows:
        return None
    names = dict(zip(res.registry.departments["code"], res.registry.departments["name"]))
    table = Table(title="已发催报 / reminders sent", title_justify="left")
    for header in ("期间 / period", "部门 / department", "日期 / date", "方式 / via"):
        table.add_column(header, overflow="fold")
    for r in rows:
        table.add_row(r.period, cell(f"{names.get(r.recipient, r.recipient)}（{r.recipient}）"),
                      f"{local_date(res, r.sent_at):%Y-%m-%d}", "邮件" if r.channel == "smtp" else "outbox")
    return table


def print_cycle_status(res: Resources, periods: list[str], period: str | None) -> None:
    """What `kaoping status` shows of the 报送 cycle after its submissions tables."""
    for code in periods:
        console.print(timeliness_table(res, code))
    for table in (mail_left_table(res), reminders_table(res, period)):
        if table is not None:
            console.print(table)


@app.command()
def remind(period: Optional[str] = typer.Option(None, "--period", "-p", metavar="PERIOD", help=PERIOD_HELP)
           ) -> None:
    """发送到期的催报 / send the reminders that are due."""
    code = period_code(period) if period else None
    res = checked_resources()
    try:
        res.sync_dimensions()
        outcomes = send_reminders(res, period=code, now=datetime.now().astimezone())
        if not outcomes:
            console.print("今天没有需要发送的催报 / no reminders due today")
        for o in outcomes:
            mark = ("已发送", "green") if o.status == "sent" else ("失败", "red")
            console.print(line(mark, f"{' ' + o.error if o.error else ''} {o.subject} → {'、'.join(o.emails) or 'outbox/' + o.recipient}"),
                          highlight=False)
        print_sent(outcomes, "催报 / reminders")
    finally:
        res.close()
    raise typer.Exit(EXIT_OK)
