"""The 变更说明 (SPEC §11) from two versions' frames: only units whose total, rank or grade changed,
old → new, each changed indicator with its cause (adjustment with reason and author, a superseding
file, or other units' data)."""
from __future__ import annotations

import pandas as pd

from kaoping.reports.changes import COLUMNS, Version, change_log
from kaoping.warehouse.adjustments import REPORT_COLUMNS


def rankings(rows):
    return pd.DataFrame(rows, columns=["unit_code", "unit_name", "group", "total", "rank", "grade"])


def details(rows):
    frame = pd.DataFrame(rows, columns=["unit_code", "indicator_code", "value_used", "score", "submission_id",
                                        "file_name"])
    return frame.assign(indicator_name="破案率", department="市公安局").astype({"unit_code": "category"})


def adjustment(unit: str) -> pd.DataFrame:
    return pd.DataFrame([[7, unit, "丙县", "A1", "A1", "破案率", "2025Q1", 60.0, 99.0, "来函更正", "张三", None, "cli"]],
                        columns=REPORT_COLUMNS)


OLD = Version(1, rankings([["U1", "甲县", None, 90.0, 1, "优秀"], ["U2", "乙县", None, 80.0, 2, "合格"],
                           ["U3", "丙县", None, 60.0, 3, "合格"]]),
              details([["U1", "A1", 90.0, 90.0, 1, "a.csv"], ["U2", "A1", 80.0, 80.0, 1, "a.csv"],
                       ["U3", "A1", 60.0, 60.0, 1, "a.csv"]]),
              pd.DataFrame(columns=REPORT_COLUMNS))


def test_an_adjustment_and_the_rank_it_moves_are_named():
    new = Version(2, rankings([["U3", "丙县", None, 99.0, 1, "优秀"], ["U1", "甲县", None, 90.0, 2, "优秀"],
                               ["U2", "乙县", None, 80.0, 3, "合格"]]),
                  details([["U1", "A1", 90.0, 90.0, 1, "a.csv"], ["U2", "A1", 80.0, 80.0, 1, "a.csv"],
                           ["U3", "A1", 99.0, 99.0, 1, "a.csv"]]),
                  adjustment("U3"))
    log = change_log(OLD, new)
    assert list(log.columns) == COLUMNS and list(log["unit_code"]) == ["U3", "U1", "U2"]
    u3 = log.iloc[0]
    assert (u3.total_old, u3.total_new, u3.rank_old, u3.rank_new, u3.grade_old, u3.grade_new) == (
        60.0, 99.0, 3, 1, "合格", "优秀")
    assert u3.causes == "A1 破案率：数值 60 → 99，得分 60 → 99（人工调整，原因：来函更正，调整人：张三）"
    assert log.iloc[1].causes == "本单位数据未变，因其他单位得分变化而名次变动"


def test_a_superseding_file_is_named_and_unchanged_units_are_left_out():
    new = Version(2, rankings([["U1", "甲县", None, 95.0, 1, "优秀"], ["U2", "乙县", None, 80.0, 2, "合格"],
                               ["U3", "丙县", None, 60.0, 3, "合格"]]),
                  details([["U1", "A1", 95.0, 95.0, 2, "b.csv"], ["U2", "A1", 80.0, 80.0, 2, "b.csv"],
                           ["U3", "A1", 60.0, 60.0, 2, "b.csv"]]),
                  pd.DataFrame(columns=REPORT_COLUMNS))
    log = change_log(OLD, new)
    assert list(log["unit_code"]) == ["U1"]
    assert log.iloc[0].causes == "A1 破案率：数值 90 → 95，得分 90 → 95（市公安局重新报送《b.csv》，取代《a.csv》）"
