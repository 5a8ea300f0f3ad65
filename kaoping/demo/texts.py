"""Every Chinese text the demo submissions carry, in one place."""
from __future__ import annotations

CITY = "清河市"

UNIT_HEADERS = ("单位名称", "单位", "地区", "县(市、区)", "县（市、区）")
CODE_HEADER = "单位代码"
LONG_HEADERS = ("单位", "指标", "数值", "期间")
NOTE_HEADER = "备注"
TOTAL_LABELS = ("合计", "总计")
MISSING_MARKERS = ("—", "/", "无", "-", "不适用")
SHEET_TITLES = ("Sheet1", "数据", "报表", "统计表")

KIND_GROUPS = {"bonus": "加分项目", "penalty": "扣分项目", "veto": "一票否决事项", "input": "基础数据",
               "derived": "计算指标"}


def title(department: str, period_label: str) -> str:
    """The title line a department puts above its table."""
    return f"{CITY}{department}{period_label}平安建设考评指标数据统计表"


def subtitle(department: str, filled_on: str) -> str:
    return f"填报单位（盖章）：{CITY}{department}        填报日期：{filled_on}"


def date_text(year: int, month: int, day: int) -> str:
    return f"{year}年{month}月{day}日"


def notes(period_end: str) -> list[str]:
    """Note and signature lines below the table."""
    return [f"注：1. 数据统计截至{period_end}；2. 比率类指标保留一位小数；3. 无数据的填“—”。",
            "填报人：王明远    联系电话：0536-8231457    审核人：李建华"]


def alternative_quarter_label(year: int, quarter: int) -> str:
    """`2025年三季度`: the other way people write a quarter."""
    return f"{year}年{'一二三四'[quarter - 1]}季度"


PERIOD_FREE_NAMES = ("平安建设考评数据报送表", "考评指标数据", "平安建设数据报表", "报送数据")
RESUBMISSION_SUFFIX = "_更正"
RESEND_SUFFIX = "_重报"
UNKNOWN_UNIT = "临江新区"
UNKNOWN_UNIT_CODE = "QH13"
NON_NUMERIC = "待统计"

DEFECT_REASONS = {
    "unknown_unit": "单位“{value}”不在单位名录中",
    "out_of_range": "指标“{indicator}”的值 {value} 超出取值范围",
    "non_numeric": "指标“{indicator}”的值“{value}”不是数字",
}
