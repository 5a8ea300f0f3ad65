"""Configuration: kaoping.toml + KAOPING_* environment variables, and how the CLI reports bad ones."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kaoping.core.config import DEFAULT_TOML, ConfigError, load_settings

ENV_VARS = ("KAOPING_DATABASE_URL", "KAOPING_WORKSPACE", "KAOPING_SMTP_HOST", "KAOPING_SMTP_PORT",
            "KAOPING_SMTP_USER", "KAOPING_SMTP_PASSWORD", "KAOPING_SMTP_SENDER")

# A tiny CLI around kaoping.cli.main.main: one command that loads the settings, one that exits with a code.
PROBE = """\
import sys
import typer
from kaoping.cli import app as cli
from kaoping.cli.main import main

@cli.app.command("probe")
def probe() -> None:
    print(cli.resources().settings.database_url)

@cli.app.command("quit-with")
def quit_with(code: int) -> None:
    raise typer.Exit(code)

main()
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)


def _toml(folder: Path, text: str) -> Path:
    (folder / "kaoping.toml").write_text(text, encoding="utf-8")
    return folder


def _probe(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    return subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=120)


def test_defaults_without_a_toml(tmp_path: Path) -> None:
    s = load_settings(tmp_path)
    assert s.workspace == tmp_path.resolve()
    assert s.database_url == f"sqlite:///{tmp_path.resolve() / 'warehouse.db'}"
    assert (s.intake.max_file_mb, s.intake.jump_z, s.intake.jump_ratio) == (50, 3.5, 3.0)
    assert (s.scoring.sensitivity, s.scoring.sensitivity_draws, s.scoring.sensitivity_width) == (False, 1000, 0.2)
    assert (s.schedule.cron, s.schedule.timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert not s.smtp.enabled
    assert (s.catalog_dir, s.inbox_dir, s.out_dir) == (tmp_path.resolve() / "catalog", tmp_path.resolve() / "inbox",
                                                       tmp_path.resolve() / "out")


def test_default_toml_written_by_init_means_the_defaults(tmp_path: Path) -> None:
    assert load_settings(_toml(tmp_path, DEFAULT_TOML)) == load_settings(tmp_path.parent / tmp_path.name)


def test_toml_values_are_read(tmp_path: Path) -> None:
    _toml(tmp_path, '[warehouse]\nurl = "postgresql://db/kp"\n[smtp]\nhost = "mail.example.cn"\nport = 25\n'
                    '[scoring]\nsensitivity = true\n')
    s = load_settings(tmp_path)
    assert s.database_url == "postgresql://db/kp"
    assert s.smtp.enabled and s.smtp.port == 25 and s.scoring.sensitivity


def test_environment_wins_over_toml_and_explicit_db_wins_over_environment(tmp_path, monkeypatch) -> None:
    _toml(tmp_path, '[warehouse]\nurl = "sqlite:///from-toml.db"\n[smtp]\nport = 25\n')
    monkeypatch.setenv("KAOPING_DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("KAOPING_SMTP_PORT", "587")
    assert load_settings(tmp_path).database_url == "sqlite:///from-env.db"
    assert load_settings(tmp_path).smtp.port == 587
    assert load_settings(tmp_path, "sqlite:///explicit.db").database_url == "sqlite:///explicit.db"


def test_mailbox_settings_env_overrides_and_the_password_only_from_its_variable(tmp_path, monkeypatch) -> None:
    _toml(tmp_path, '[mailbox]\nhost = "imap.example.cn"\nport = 993\nuser = "file@example.cn"\n'
                    'password_env = "MY_IMAP_PW"\n[deadlines]\ndepartments = {GA = 15}\n'
                    '[reminders]\nbefore_days = 2\n')
    monkeypatch.setenv("KAOPING_MAILBOX_HOST", "imap.local")
    monkeypatch.setenv("KAOPING_MAILBOX_PORT", "1143")
    monkeypatch.setenv("KAOPING_MAILBOX_USER", "env@example.cn")
    monkeypatch.setenv("MY_IMAP_PW", "s3cret")
    s = load_settings(tmp_path)
    assert (s.mailbox.host, s.mailbox.port, s.mailbox.user) == ("imap.local", 1143, "env@example.cn")
    assert s.mailbox.password == "s3cret" and "s3cret" not in s.model_dump_json()
    assert (s.mailbox.folder, s.mailbox.processed_folder, s.mailbox.tls) == ("INBOX", "kaoping-processed", "ssl")
    assert s.deadlines.departments == {"GA": 15}
    assert (s.reminders.before_days, s.reminders.every_days) == (2, 3)


def test_a_mailbox_password_in_the_file_is_refused(tmp_path: Path) -> None:
    _toml(tmp_path, '[mailbox]\nhost = "imap.example.cn"\npassword = "plain"\n')
    with pytest.raises(ConfigError, match="mailbox.password 是未知的配置项"):
        load_settings(tmp_path)


def test_workspace_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAOPING_WORKSPACE", str(tmp_path))
    assert load_settings().workspace == tmp_path.resolve()


@pytest.mark.parametrize("text,fragment", [
    ("[warehouse\nurl = 1\n", "格式错误"),
    ("[intake]\nmax_rows = -5\n", "intake.max_rows"),
    ("[intake]\nmax_rows = 'many'\n", "intake.max_rows"),
    ("[smtp]\nsecurity = 'tls'\n", "smtp.security"),
    ("[smpt]\nhost = 'x'\n", "smpt"),
    ("[scoring]\nsensitivity_width = 1.5\n", "scoring.sensitivity_width"),
    ("warehouse = 'sqlite:///x.db'\n", "warehouse"),
])
def test_bad_toml_is_one_config_error_line(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_toml(tmp_path, text))
    message = str(caught.value)
    assert fragment in message and str(tmp_path / "kaoping.toml") in message
    assert "\n" not in message and " / " in message


def test_bad_environment_value_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAOPING_SMTP_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="环境变量 KAOPING_SMTP_PORT 中 smtp.port 应为整数 / .*environment variable"):
        load_settings(tmp_path)


def test_environment_over_a_toml_scalar_is_a_config_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KAOPING_DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(ConfigError, match=r"\[warehouse\]"):
        load_settings(_toml(tmp_path, "warehouse = 'sqlite:///y.db'\n"))


def test_missing_workspace_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="不存在.* / .*does not exist"):
        load_settings(tmp_path / "nowhere")


@pytest.mark.parametrize("toml,fragment", [("[intake]\nmax_rows = -5\n", "intake.max_rows 应大于 0"),
                                           ("[intake\nmax_rows = 5\n", "格式错误")])
def test_cli_reports_bad_toml_in_one_line_with_exit_2(tmp_path: Path, toml: str, fragment: str) -> None:
    _toml(tmp_path, toml)
    (tmp_path / "inbox").mkdir()
    done = subprocess.run([str(Path(sys.executable).with_name("kaoping")), "-w", str(tmp_path), "ingest"],
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k not in ENV_VARS})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert fragment in lines[0] and " / " in lines[0] and str(tmp_path / "kaoping.toml") in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_cli_global_db_option_wins_over_environment(tmp_path: Path) -> None:
    _toml(tmp_path, '[warehouse]\nurl = "sqlite:///from-toml.db"\n')
    env = {"KAOPING_DATABASE_URL": "sqlite:///from-env.db"}
    done = _probe(["-w", str(tmp_path), "--db", "sqlite:///explicit.db", "probe"], env)
    assert done.returncode == 0 and done.stdout.strip() == "sqlite:///explicit.db"


@pytest.mark.parametrize("args,code", [(["quit-with", "3"], 3), (["quit-with", "one"], 2)])
def test_cli_exit_codes_of_typer_exit_and_usage_errors(args: list[str], code: int) -> None:
    done = _probe(args)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
