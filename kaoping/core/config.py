"""Configuration: the workspace's `kaoping.toml` plus `KAOPING_*` environment variables.

This is the only module that reads configuration. Environment variables win over the file:
`KAOPING_WORKSPACE`, `KAOPING_DATABASE_URL`, `KAOPING_SMTP_HOST`, `KAOPING_SMTP_PORT`,
`KAOPING_SMTP_USER`, `KAOPING_SMTP_PASSWORD`, `KAOPING_SMTP_SENDER`, `KAOPING_INTAKE_SETTLE_S`,
`KAOPING_MAILBOX_HOST`, `KAOPING_MAILBOX_PORT`, `KAOPING_MAILBOX_USER`; the mailbox password only
from the variable that `[mailbox] password_env` names (never from the file).
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kaoping.core import layout


class ConfigError(ValueError):
    """A configuration that cannot be used; the message is one line, Chinese / English."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WarehouseSettings(_Section):
    url: str = ""


class IntakeSettings(_Section):
    max_file_mb: float = Field(default=50, gt=0)
    max_rows: int = Field(default=200_000, gt=0)
    max_uncompressed_mb: float = Field(default=500, gt=0)
    max_zip_ratio: float = Field(default=200, gt=1)
    max_cells: int = Field(default=2_000_000, gt=0)
    settle_s: float = Field(default=5, ge=0)
    max_file_memory_mb: float = Field(default=3072, gt=0)
    max_file_s: float = Field(default=600, gt=0)
    jump_z: float = Field(default=3.5, gt=0)
    jump_ratio: float = Field(default=3.0, gt=1)


class ScoringSettings(_Section):
    sensitivity: bool = False
    # units × draws matrices: 10^4 draws of 2,000 units take ~160 MB each; 10^9 would need terabytes
    sensitivity_draws: int = Field(default=1000, gt=0, le=10_000)
    sensitivity_width: float = Field(default=0.2, ge=0, lt=1)
    seed: int = 20250101


class ScheduleSettings(_Section):
    cron: str = "0 2 * * *"
    timezone: str = "Asia/Shanghai"
    work_pool: str = "kaoping"


class SmtpSettings(_Section):
    host: str = ""
    port: int = 465
    security: Literal["ssl", "starttls", "none"] = "ssl"
    user: str = ""
    password: str = ""
    sender: str = ""
    timeout_s: float = 30
    retries: int = Field(default=3, ge=0)

    @property
    def enabled(self) -> bool:
        return bool(self.host)


class OfficeSettings(_Section):
    """The issuing office: the ranking workbook's 制表单位, 制表 and 审核 line; the 通报's 发文机关
    and the prefix of its 文号 (e.g. 清平安办)."""

    name: str = ""          # e.g. 清河市平安办
    prepared_by: str = ""   # 制表人
    reviewed_by: str = ""   # 审核人
    doc_number_prefix: str = ""


class MailboxSettings(_Section):
    """The IMAP mailbox departments send their files to (SPEC §10); empty host: no mailbox."""

    host: str = ""
    port: int = Field(default=993, gt=0, lt=65536)
    tls: Literal["ssl", "starttls", "none"] = "ssl"
    user: str = ""
    password_env: str = "KAOPING_MAILBOX_PASSWORD"
    folder: str = "INBOX"
    processed_folder: str = "kaoping-processed"
    timeout_s: float = Field(default=30, gt=0)

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @property
    def password(self) -> str:
        """Read from the environment at the moment of use, so it is never stored anywhere."""
        return os.environ.get(self.password_env, "")


class DeadlineSettings(_Section):
    """Per-department overrides of the catalogs' `deadline_days` (department code → days)."""

    departments: dict[str, int] = Field(default_factory=dict)


class ReminderSettings(_Section):
    """催报: `before_days` before the deadline, the day after it, then every `every_days`."""

    before_days: int = Field(default=3, ge=0)
    every_days: int = Field(default=3, gt=0)


class PublicationSettings(_Section):
    """公示: `review_days` > 0 publishes a newly scored period as a review version (征求意见稿) that is
    made final that many days after its first publication (0: final at once)."""

    review_days: int = Field(default=0, ge=0)


class Settings(_Section):
    """Everything configurable, with the workspace folder it belongs to."""

    workspace: Path
    warehouse: WarehouseSettings = WarehouseSettings()
    intake: IntakeSettings = IntakeSettings()
    scoring: ScoringSettings = ScoringSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    smtp: SmtpSettings = SmtpSettings()
    office: OfficeSettings = OfficeSettings()
    mailbox: MailboxSettings = MailboxSettings()
    deadlines: DeadlineSettings = DeadlineSettings()
    reminders: ReminderSettings = ReminderSettings()
    publication: PublicationSettings = PublicationSettings()

    @property
    def database_url(self) -> str:
        return self.warehouse.url or f"sqlite:///{(self.workspace / layout.WAREHOUSE_FILE).resolve()}"

    @property
    def catalog_dir(self) -> Path:
        return self.workspace / layout.CATALOG

    @property
    def inbox_dir(self) -> Path:
        return self.workspace / layout.INBOX

    @property
    def archive_dir(self) -> Path:
        return self.workspace / layout.ARCHIVE

    @property
    def out_dir(self) -> Path:
        return self.workspace / layout.OUT

    @property
    def outbox_dir(self) -> Path:
        return self.workspace / layout.OUTBOX

    @property
    def state_dir(self) -> Path:
        """kaoping's own bookkeeping files (not for readers; outside out/ so outputs stay unchanged)."""
        return self.workspace / layout.STATE


_ENV = {
    "KAOPING_DATABASE_URL": ("warehouse", "url"),
    "KAOPING_INTAKE_SETTLE_S": ("intake", "settle_s"),
    "KAOPING_SMTP_HOST": ("smtp", "host"),
    "KAOPING_SMTP_PORT": ("smtp", "port"),
    "KAOPING_SMTP_USER": ("smtp", "user"),
    "KAOPING_SMTP_PASSWORD": ("smtp", "password"),
    "KAOPING_SMTP_SENDER": ("smtp", "sender"),
    "KAOPING_MAILBOX_HOST": ("mailbox", "host"),
    "KAOPING_MAILBOX_PORT": ("mailbox", "port"),
    "KAOPING_MAILBOX_USER": ("mailbox", "user"),
}


def _read_toml(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 格式错误：{exc} / bad config file {path}: {exc}") from None


_REASONS_ZH = {"greater_than": "应大于 {gt}", "greater_than_equal": "应不小于 {ge}", "less_than": "应小于 {lt}",
               "less_than_equal": "应不大于 {le}", "int_parsing": "应为整数", "float_parsing": "应为数字",
               "bool_parsing": "应为 true 或 false", "literal_error": "应为 {expected} 之一",
               "extra_forbidden": "是未知的配置项", "string_type": "应为文字", "model_type": "应为一个表",
               "dict_type": "应为一个表"}


def _one_line(err: ValidationError, path: Path, from_env: dict[tuple[str, str], str]) -> str:
    """The first validation error as one line, naming the environment variable when it came from one."""
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    var = from_env.get(tuple(first["loc"][:2]))
    origin, origin_en = (f"环境变量 {var}", f"environment variable {var}") if var else (f"配置文件 {path}", str(path))
    reason = _REASONS_ZH.get(first["type"], "不合法").format(**first.get("ctx", {}))
    return f"{origin} 中 {where} {reason} / invalid {where} in {origin_en}: {first['msg']}"


def workspace_path(workspace: Path | str | None = None) -> Path:
    """The workspace folder: the argument, else KAOPING_WORKSPACE, else the current folder."""
    return Path(workspace or os.environ.get("KAOPING_WORKSPACE") or ".").resolve()


def load_settings(workspace: Path | str | None = None, database_url: str | None = None) -> Settings:
    """Settings for a workspace: kaoping.toml, then environment variables, then explicit overrides."""
    ws = workspace_path(workspace)
    if not ws.is_dir():
        raise ConfigError(f"工作区目录 {ws} 不存在（可用 kaoping init 创建） / workspace {ws} does not exist "
                          "(create it with kaoping init)")
    path = ws / "kaoping.toml"
    data = _read_toml(path)
    from_env: dict[tuple[str, str], str] = {}
    for var, (section, key) in _ENV.items():
        if os.environ.get(var):
            _section(data, section, path)[key] = os.environ[var]
            from_env[(section, key)] = var
    if database_url:
        _section(data, "warehouse", path)["url"] = database_url
    try:
        return Settings.model_validate({**data, "workspace": ws})
    except ValidationError as err:
        raise ConfigError(_one_line(err, path, from_env)) from None


def _section(data: dict, name: str, path: Path) -> dict:
    """The `[name]` table of the parsed toml, created when absent."""
    table = data.setdefault(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"配置文件 {path} 中 {name} 应为一个表 [{name}] / {name} in {path} must be a [{name}] table")
    return table


DEFAULT_TOML = """\
# kaoping 工作区配置 / workspace configuration.
# 环境变量 KAOPING_DATABASE_URL 等优先于本文件 / KAOPING_* environment variables win over this file.

[warehouse]
# 留空则使用工作区内的 SQLite：warehouse.db / empty: SQLite file warehouse.db in this workspace
# PostgreSQL 示例 / example: postgresql+psycopg://postgres@127.0.0.1:5432/kaoping
url = ""

[intake]
max_file_mb = 50            # 超过此大小的文件不解析 / files larger than this are refused
max_rows = 200000           # 每个工作表的最大行数 / rows per sheet
max_uncompressed_mb = 500   # xlsx/ods 解压后的最大大小 / zip bomb guard
max_zip_ratio = 200         # 最大压缩比 / compression ratio guard
max_cells = 2000000         # 每个工作表有内容的单元格上限 / cells holding something, per sheet
settle_s = 5                # 文件大小和修改时间须稳定的秒数 / seconds a file must stay unchanged before it is read
max_file_memory_mb = 3072   # 读取一个文件可用的内存 / memory a worker may add to read one file
max_file_s = 600            # 读取一个文件的时间上限 / seconds a worker may take to read one file
jump_z = 3.5                # 稳健 z 分数预警阈值 / robust z-score warning threshold
jump_ratio = 3.0            # 历史较短时的倍数预警 / ×/÷ threshold when history is short

[scoring]
sensitivity = false         # 是否计算排名稳定性 / run the Monte Carlo rank stability
sensitivity_draws = 1000     # 1 至 10000 / 1 to 10000
sensitivity_width = 0.2
seed = 20250101

[schedule]
cron = "0 2 * * *"          # 每晚 02:00 / nightly at 02:00
timezone = "Asia/Shanghai"
work_pool = "kaoping"

[office]
# 制表单位（排名表）与发文机关（通报） / issuing office: ranking workbook and 通报
name = ""                   # 例 / e.g. 清河市平安建设领导小组办公室
prepared_by = ""            # 制表人 / prepared by (blank: a line to sign on)
reviewed_by = ""            # 审核人 / reviewed by
doc_number_prefix = ""      # 通报文号前缀 / 通报 number prefix, e.g. 清平安办 → 清平安办〔2026〕　号

[publication]
review_days = 0             # 公示（征求意见）天数，0 为发布即定稿 / review window in days; 0: final at once

[smtp]
# 留空则把文件复制到 outbox/<收件人>/ / empty: files are copied to outbox/<recipient>/
host = ""
port = 465
security = "ssl"            # ssl | starttls | none
user = ""
password = ""               # 建议用环境变量 KAOPING_SMTP_PASSWORD / prefer the environment variable
sender = ""

[mailbox]
# 各部门把报送文件发到这个 IMAP 邮箱；留空则只从 inbox/ 目录接收 / IMAP mailbox; empty: folder inbox only
host = ""
port = 993
tls = "ssl"                 # ssl | starttls | none
user = ""
password_env = "KAOPING_MAILBOX_PASSWORD"   # 密码只从这个环境变量读取 / password only from this variable
folder = "INBOX"
processed_folder = "kaoping-processed"       # 处理过的邮件移到这里（不删除） / taken messages move here

[deadlines]
# 按部门覆盖考评细则的 deadline_days（期间结束后的天数） / per-department deadline days
departments = {}            # 例 / e.g. {GA = 15}

[reminders]
before_days = 3             # 截止前几天催报 / remind this many days before the deadline
every_days = 3              # 逾期后每隔几天再催 / then every this many days
"""
