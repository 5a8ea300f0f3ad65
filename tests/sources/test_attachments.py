"""Attachment names and limits: whatever a message claims, a safe base name and bounded bytes come out."""
from __future__ import annotations

import email

from hypothesis import given, strategies as st

from kaoping.sources.attachments import Limits, safe_name, spreadsheets

LIMITS = Limits(max_file_bytes=1_000_000, max_uncompressed_bytes=5_000_000, max_zip_ratio=100)


@given(st.text(max_size=300))
def test_a_safe_name_is_a_plain_bounded_base_name(name: str) -> None:
    out = safe_name(name, "附件1")
    assert out and "/" not in out and "\\" not in out and not out.startswith(".")
    assert len(out) <= 120 and not any(ord(c) < 32 for c in out)


def test_outlook_rfc2047_names_in_gb2312_are_decoded() -> None:
    raw = (b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/vnd.ms-excel;"
           b" name=\"=?gb2312?B?" + __import__("base64").b64encode("信访局_2025Q3.xls".encode("gb2312")) +
           b"?=\"\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n")
    found = spreadsheets(email.message_from_bytes(raw), LIMITS)
    assert [name for name, _ in found.files] == ["信访局_2025Q3.xls"]


def test_windows_paths_and_dot_names_lose_their_folders() -> None:
    assert safe_name("C:\\Users\\张三\\桌面\\公安局_2025Q3.xlsx", "x") == "公安局_2025Q3.xlsx"
    assert safe_name("../..", "附件2") == "附件2"
    assert safe_name(".hidden.csv", "x") == "hidden.csv"
