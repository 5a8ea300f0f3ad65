"""rankings.csv exactly as SPEC §8 fixes it."""
from __future__ import annotations

from report_kit import CATALOG, EXPECTED_CSV, UNITS, build_published

from kaoping.stages.publishing import write_outputs



def test_rankings_csv_is_exact(published):
    write_outputs(published.res, "2025Q3")
    raw = (published.res.workspace / "out" / "2025Q3" / "rankings.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8") == EXPECTED_CSV


def test_groups_order_rows_and_fill_the_group_column(tmp_path, db_url):
    catalog = CATALOG.replace("  veto_grade: 不合格\n", "  veto_grade: 不合格\n  rank_within: group\n")
    units = UNITS.replace("A01,东城区,county,,,", "A01,东城区,county,,城区,").replace(
        "A02,西城区,county,,,", "A02,西城区,county,,城区,").replace(
        "A03,南山县,county,,,", "A03,南山县,county,,县,").replace("A04,北湖县,county,,,", "A04,北湖县,county,,县,")
    root = tmp_path / "ws"
    built = build_published(root, db_url, catalog=catalog, units=units,
                            group_of={"A01": "城区", "A02": "城区", "A03": "县", "A04": "县"})
    write_outputs(built.res, "2025Q3")
    lines = (root / "out" / "2025Q3" / "rankings.csv").read_text(encoding="utf-8-sig").splitlines()
    # rows ordered by catalog, group, rank, unit_code (groups by code point: 县 U+53BF < 城 U+57CE)
    assert [line.split(",")[2:5] for line in lines[1:]] == [
        ["县", "A04", "北湖县"], ["县", "A03", "南山县"], ["城区", "A01", "东城区"], ["城区", "A02", "西城区"]]
    built.res.close()
