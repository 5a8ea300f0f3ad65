"""The history-jump rule: robust z-score with ≥ 4 earlier values, ×/÷ ratio otherwise."""
import pytest

from kaoping.sources.checks import jump_reason


@pytest.mark.parametrize("value, history, warns", [
    (40.0, [10.0], True),                         # short history: ×4 > ×3
    (25.0, [10.0], False),                        # ×2.5
    (2.0, [10.0], True),                          # ÷5
    (5.0, [0.0], False),                          # no ratio from zero
    (99.9, [98.1, 98.3, 98.2, 98.4], False),      # steady percentages: MAD floor, no false alarm
    (60.0, [98.1, 98.3, 98.2, 98.4], True),       # a real drop
    (1000.0, [100.0, 110.0, 90.0, 105.0], True),  # ×10 typo
    (112.0, [100.0, 110.0, 90.0, 105.0], False),
])
def test_jump_rule(value, history, warns):
    assert (jump_reason(value, history, 3.5, 3.0) is not None) == warns
