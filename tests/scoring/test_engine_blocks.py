"""fact_score in blocks of units: any block size gives the rows of the whole, adjustments included."""
from __future__ import annotations

import pandas as pd
from engine_cases import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_cases import EVERY_FAMILY

from kaoping.scoring.adjustments import AdjustedBlocks, adjusted_scores
from kaoping.sources.catalogs import parse_catalog

CATALOG = parse_catalog(EVERY_FAMILY)
CODES = ["I1", "I2", "D1", "I3", "CR", "LATE", "HIDE", "B1", "P1", "P2", "V1", "V2", "V3"]
VALUE = st.one_of(st.none(), st.sampled_from([0, 1, 2, 3, 85, 92, 97, 100]), st.floats(0, 100).map(round))
UNIT = st.tuples(st.sampled_from(["城区", "县域"]), st.dictionaries(st.sampled_from(CODES), VALUE))
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _scored(units: list[tuple[str, dict]]):
    names = [(f"U{k:02d}", group) for k, (group, _) in enumerate(units)]
    values = {(name, code): v for (name, _), (_, data) in zip(names, units) for code, v in data.items()}
    return run(CATALOG, values, units=names)


def _adjustments(units: list) -> pd.DataFrame:
    """An adjustment of the first unit's I1 and of the last unit's CR (read by I4's formula)."""
    last = f"U{len(units) - 1:02d}"
    return pd.DataFrame([(1, "2025Q1", "U00", "I1", 91.0), (2, "2025Q1", last, "CR", 5.0)],
                        columns=["id", "period", "unit_code", "indicator_code", "value"])


@SETTINGS
@given(st.lists(UNIT, min_size=1, max_size=7), st.integers(1, 8))
def test_blocks_of_any_size_hold_the_rows_of_the_whole(units, size):
    result = _scored(units)
    blocks = list(result.score_blocks(size))
    assert len(blocks) == -(-len(units) // size)
    assert all(b["unit_code"].nunique() <= size for b in blocks)
    whole = result.scores.sort_values(["unit_code", "indicator_code"], ignore_index=True)
    joined = pd.concat(blocks, ignore_index=True).sort_values(["unit_code", "indicator_code"], ignore_index=True)
    pd.testing.assert_frame_equal(joined.astype(object), whole.astype(object))


@SETTINGS
@given(st.lists(UNIT, min_size=2, max_size=7), st.integers(1, 3))
def test_adjusted_blocks_mark_the_same_rows_as_the_whole(units, size):
    result, adjustments = _scored(units), _adjustments(units)
    whole, lineage = adjusted_scores(result.scores, adjustments, CATALOG, "2025Q1")
    blocks = AdjustedBlocks(result.score_blocks(size), adjustments, CATALOG, "2025Q1")
    joined = pd.concat(list(blocks), ignore_index=True)
    key = ["unit_code", "indicator_code"]
    assert (joined.set_index(key)["flags"].sort_index().tolist()
            == whole.set_index(key)["flags"].sort_index().tolist())
    assert "人工调整" in " ".join(joined["flags"])
    pd.testing.assert_frame_equal(blocks.lineage.astype(object), lineage.astype(object))
