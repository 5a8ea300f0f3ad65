"""Issue 19: a file is read only when complete and only from inside the inbox: slow writers, files
changed, deleted or vanishing while found, odd modification times, hardlinks and links."""
from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

import hostile_files as hf
from hostile_files import CSV_HEADER, CSV_ROWS, good_csv, inbox_path
from kaoping.stages.resources import Resources
from kaoping.sources import discovery
from kaoping.stages.intake import discover, ingest, process_files, scan


# ---- item 1: a file still being written ---------------------------------------------------------

def test_a_slow_writer_is_left_alone_until_it_is_done(tmp_path, monkeypatch, validator):
    monkeypatch.delenv("KAOPING_INTAKE_SETTLE_S")
    resources = Resources.open(hf.make_workspace(tmp_path / "ws", "settle_s = 0.6"), f"sqlite:///{tmp_path / 'w.db'}")
    path = inbox_path(resources, f"{hf.NAME}_更正.csv")
    path.write_text(CSV_HEADER + "\n" + CSV_ROWS[0] + "\n", encoding="utf-8")
    done, looking = threading.Event(), threading.Event()
    real = discovery.complete_files

    def complete_files(*args, **kwargs):
        looking.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(discovery, "complete_files", complete_files)

    def write_slowly() -> None:
        """Blank lines (harmless) while the intake has not looked yet and for 1.5 s after, then the rest."""
        deadline = None
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1)
            with path.open("a", encoding="utf-8") as fh:
                fh.write("\n")
            if deadline is None and looking.is_set():
                deadline = time.monotonic() + 1.5
        for line in CSV_ROWS[1:]:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        done.set()

    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        during = ingest(resources)
    finally:
        writer.join()
    assert done.is_set()
    assert [(o.status, [p.rule for p in o.problems]) for o in during.outcomes] == [("skipped", ["still_writing"])]
    assert not list(resources.settings.archive_dir.rglob("*.csv"))  # nothing of the half file kept

    after = ingest(resources)
    [outcome] = after.outcomes
    assert outcome.status == "accepted", outcome.problems
    final = path.read_bytes()
    assert outcome.sha256 == hashlib.sha256(final).hexdigest()
    [archived] = resources.settings.archive_dir.rglob("*.csv")
    assert archived.name == f"{outcome.sha256}.csv" and archived.read_bytes() == final
    with resources.warehouse.reading() as session:
        from sqlalchemy import func, select

        from kaoping.warehouse.models import FactValue
        assert session.scalar(select(func.count()).select_from(FactValue)) == len(hf.GOOD_VALUES)
    resources.close()


def test_a_file_that_changes_while_it_is_copied_is_not_archived(res):
    path = good_csv(res)
    before = os.lstat(path)
    path.write_text(path.read_text(encoding="utf-8") + "北城县,1,1\n", encoding="utf-8")  # after the look
    with pytest.raises(discovery.FileChanged):
        discovery.archive_copy(path, res.settings.archive_dir, before)
    assert not [p for p in res.settings.archive_dir.rglob("*") if p.is_file()]


def test_the_bytes_parsed_are_the_bytes_hashed_even_if_the_inbox_file_changes_after(res, validator):
    path = good_csv(res)
    [found] = discover(res)
    path.write_text(CSV_HEADER + "\n东城县,1,1\n", encoding="utf-8")  # rewritten after discovery
    [outcome] = list(process_files(res, [found], validator))
    assert outcome.status == "accepted"
    assert found.source.read_bytes() != path.read_bytes()
    assert hashlib.sha256(found.source.read_bytes()).hexdigest() == outcome.sha256


def test_the_settle_interval_is_configurable(tmp_path, monkeypatch):
    monkeypatch.delenv("KAOPING_INTAKE_SETTLE_S")
    resources = Resources.open(hf.make_workspace(tmp_path / "ws", "settle_s = 12.5"), f"sqlite:///{tmp_path / 'w.db'}")
    assert resources.settings.intake.settle_s == 12.5
    resources.close()
    from kaoping.core.config import IntakeSettings
    assert 1 <= IntakeSettings().settle_s <= 60


def test_an_odd_modification_time_counts_as_now(res, validator):
    path = good_csv(res)
    year_11476 = 299_970_000_000
    try:
        os.utime(path, (year_11476, year_11476))
    except (OverflowError, OSError):
        pass  # the file system cannot hold it: received_at below still is checked
    before = time.time()
    [found] = discover(res)
    assert before - 5 <= found.received_at.timestamp() <= time.time() + 1
    assert discovery.received_at(year_11476).year < 3000
    assert discovery.received_at(float("inf")).year < 3000


def test_a_file_deleted_after_discovery_is_still_read_from_its_copy(res, validator):
    first, second = good_csv(res, "公安局_2025Q3_a.csv"), inbox_path(res, "公安局_2025Q3_b.csv")
    second.write_text("\n".join([CSV_HEADER, *CSV_ROWS[:2]]), encoding="utf-8")
    found = discover(res)
    first.unlink()
    second.unlink()
    outcomes = list(process_files(res, found, validator))
    assert [o.status for o in outcomes] == ["accepted", "accepted"]


def test_a_file_vanishing_during_discovery_is_skipped_with_a_message(res, monkeypatch):
    good_csv(res)
    gone = inbox_path(res, "公安局_2025Q3_gone.csv")
    real = discovery.candidates
    monkeypatch.setattr(discovery, "candidates", lambda inbox: [gone, *real(inbox)])
    found = scan(res)
    assert [f.path.name for f in found.files] == [f"{hf.NAME}.csv"]
    [skipped] = found.skipped
    assert skipped.status == "skipped" and skipped.problems[0].rule == "vanished"
    assert "移走或删除" in skipped.problems[0].message


# ---- item 7: hardlinks and files outside the inbox ----------------------------------------------

def test_a_hardlink_is_refused_and_nothing_of_it_is_copied(res, tmp_path, validator):
    secret = tmp_path / "secret.csv"
    secret.write_text("单位名称,涉政风险隐患排查处置率\nroot:x:0:0,1\n", encoding="utf-8")
    os.link(secret, inbox_path(res, f"{hf.NAME}.csv"))
    good_csv(res, "公安局_2025Q3_b.csv")
    report = ingest(res)
    by_name = {o.path.name: o for o in report.outcomes}
    refused = by_name[f"{hf.NAME}.csv"]
    assert refused.status == "refused" and [p.rule for p in refused.problems] == ["hardlink"]
    assert "硬链接" in refused.problems[0].message
    assert by_name["公安局_2025Q3_b.csv"].status == "accepted"
    for folder in (res.settings.archive_dir, res.settings.out_dir):
        for f in folder.rglob("*"):
            assert not f.is_file() or b"root:x:0:0" not in f.read_bytes()
    assert report.rejected == [refused]  # the command exits 1 for it


def test_a_file_whose_real_path_is_outside_the_inbox_is_refused(res, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("x", encoding="utf-8")
    problem = discovery._refusal(outside, os.lstat(outside), Path(os.path.realpath(res.settings.inbox_dir)))
    assert problem.rule == "outside_inbox" and "收件箱以外" in problem.message


def test_an_inbox_that_is_a_link_to_a_share_still_reads(tmp_path, validator):
    ws = hf.make_workspace(tmp_path / "ws")
    share = tmp_path / "share"
    (ws / "inbox").rmdir()
    share.mkdir()
    (ws / "inbox").symlink_to(share, target_is_directory=True)
    resources = Resources.open(ws, f"sqlite:///{tmp_path / 'w.db'}")
    good_csv(resources)
    assert [o.status for o in ingest(resources).outcomes] == ["accepted"]
    resources.close()
