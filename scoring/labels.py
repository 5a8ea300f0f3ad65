"""The Chinese words scoring writes into its outputs (flags and alerts), kept together for review."""
from __future__ import annotations

MISSING = "缺报"              # no value: scored 0
CARRIED = "沿用上期"          # value taken from the most recent earlier period
EXCLUDED = "不计分"           # left out, the unit's total rescaled
VETOED = "一票否决"           # a veto indicator with a value > 0
GRADE_CAPPED = "限制等次"     # a veto item with effect max_grade triggered
GRADE_DEMOTED = "降低等次"    # a veto item with effect demote triggered
LAST_PLACE_STREAK = "连续末位"
GRADE_DROP = "等次下降"
SEPARATOR = ";"
ADJUSTED = "人工调整"         # the value used is an office's recorded adjustment (SPEC §11)
