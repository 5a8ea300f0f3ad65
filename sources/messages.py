"""Every Chinese text of the intake stage, with the severity of each rule (SPEC §6), in one place."""
from __future__ import annotations

ERROR, WARNING = "error", "warning"

# rule → (severity, what is wrong). SPEC §6 fixes which rules reject a file and which only warn.
RULES: dict[str, tuple[str, str]] = {
    "file_too_large": (ERROR, "文件过大，未解析"),
    "zip_bomb": (ERROR, "文件解压后过大或压缩比异常（疑似压缩炸弹），未解析"),
    "truncated": (ERROR, "文件已损坏或不完整（压缩包被截断），无法读取"),
    "encrypted": (ERROR, "文件已加密（设置了打开密码），请去除密码后重新报送"),
    "unreadable": (ERROR, "文件无法读取"),
    "unsupported_type": (ERROR, "不支持的文件类型"),
    "too_many_rows": (ERROR, "工作表行数超过上限，未解析"),
    "too_many_cells": (ERROR, "工作表中有内容的单元格数超过上限，未解析"),
    "too_much_memory": (ERROR, "读取此文件所需的内存超过上限，未解析（请删去多余的行、列后重新报送）"),
    "worker_died": (ERROR, "读取此文件时处理进程异常终止（很可能超出内存上限），文件未解析，以后也不会自动重试；"
                           "请删去多余的行、列或另存为 .xlsx 后重新报送"),
    "too_slow": (ERROR, "读取此文件超过时间上限，处理已终止，文件未解析，以后也不会自动重试"),
    "internal_error": (ERROR, "程序处理此文件时出错，文件已退回并记录（不是报送内容的问题时，请联系平安办）"),
    "still_writing": (WARNING, "文件仍在写入（大小或修改时间在变化），本次未读取，下次运行时再读取"),
    "vanished": (WARNING, "文件在读取前已被移走或删除，本次未读取"),
    "hardlink": (ERROR, "文件是硬链接（同一文件另有其他路径，可能在收件箱以外），未读取；请放入文件的独立副本"),
    "outside_inbox": (ERROR, "文件的实际位置在收件箱以外，未读取；请把文件本身放入收件箱"),
    "no_header": (ERROR, "未找到可识别的表头（需有单位列和指标列，或 单位/指标/数值 三列）"),
    "department_unknown": (ERROR, "无法确定报送部门"),
    "department_conflict": (ERROR, "报送部门前后矛盾"),
    "period_unknown": (ERROR, "无法确定考评期间"),
    "period_conflict": (ERROR, "考评期间前后矛盾"),
    "no_catalog": (ERROR, "该期间没有包含本部门报送指标的考评细则"),
    "template_catalog": (ERROR, "模板的考评细则与当前考评细则不符，请下载新模板"),
    "template_checksum": (ERROR, "模板校验码不符（模板结构被改动或考评细则已更新），请使用新模板"),
    "indicator_unknown": (ERROR, "指标名称无法识别"),
    "indicator_foreign": (ERROR, "该指标不由本部门报送"),
    "unit_unknown": (ERROR, "单位不在单位登记表中"),
    "unit_out_of_scope": (ERROR, "单位不属于本期被考评单位"),
    "unit_incomplete": (ERROR, "缺少被考评单位（考评细则要求报齐）"),
    "duplicate_conflict": (ERROR, "同一单位同一指标出现多次且数值不同"),
    "non_numeric": (ERROR, "不是数值"),
    "not_finite": (ERROR, "数值单元格的值不是有限数（NaN 或无穷大），请填写实际数值"),
    "formula_uncached": (ERROR, "公式没有计算结果（请在 Excel/WPS 中重新计算并保存，或直接填写数值）"),
    "out_of_range": (ERROR, "数值超出允许范围"),
    "not_integer": (ERROR, "应为整数"),
    "units_missing": (WARNING, "文件中缺少被考评单位"),
    "indicator_empty": (WARNING, "该指标整列为空，所有单位均按缺报处理"),
    "value_jump": (WARNING, "数值与该单位以往各期相比变化异常，请核实"),
    "total_row_skipped": (WARNING, "合计行已跳过"),
    "text_stripped": (WARNING, "数值前后有文字，已去除文字后读取"),
}

EXPECTED = {
    "number": "数值",
    "integer": "整数",
    "range": "{lo} 至 {hi}",
    "units": "单位登记表中的单位名称或代码",
    "template": "未改动的模板",
    "single_value": "每个单位每个指标只填一个数值",
    "cached": "数值或已计算的公式",
    "department": "部门代码或名称（inbox/<部门>/ 目录、文件名或模板）",
    "period": "如 2025Q3、2025年第三季度、2025年9月、2025年度",
}

PROBLEM_SHEET = "问题清单"
PROBLEM_COLUMNS = ("文件", "工作表", "单元格", "单位", "指标", "填报值", "应为", "问题说明")
SEVERITY_LABEL = {ERROR: "错误", WARNING: "提示"}

TEMPLATE_SHEET = "填报表"
TEMPLATE_TITLE = "{period_label}{department}报送表"
TEMPLATE_NOTE = ("说明：请在浅黄色单元格中填写数值（点选单元格可见填写范围）；缺报请留空；"
                 "请勿修改表头、单位和隐藏工作表；填好后在表下方签署填报人、联系电话、审核人。")
TEMPLATE_CODE_HEADER = "单位代码"
TEMPLATE_NAME_HEADER = "单位名称"
TEMPLATE_UNIT_ROW = "计量单位"
TEMPLATE_INPUT_TITLE = "填写提示"
TEMPLATE_INPUT_RANGE = "请填写 {lo} 至 {hi} 之间的数值，可带小数"
TEMPLATE_INPUT_INTEGER = "请填写 {lo} 至 {hi} 之间的整数"
TEMPLATE_INPUT_ANY = "请填写数值，可带小数"
TEMPLATE_INPUT_ANY_INTEGER = "请填写整数"
TEMPLATE_INPUT_FLAG = "请填写 0（否）或 1（是）"
TEMPLATE_SIGNATURES = ("填报人", "联系电话", "审核人", "填报日期")
TEMPLATE_ERROR_TITLE = "输入有误"

FLAG_TEXT_STRIPPED = "文字已去除"
FLAG_PERCENT_FORMAT = "百分比格式换算"
FLAG_MISSING_MARK = "标记缺报"
FLAG_NOT_FINITE = "非有限数"

CLI_COLUMNS = ("级别", "工作表", "单元格", "单位", "指标", "填报值")  # the reason goes below each row
CLI_ACCEPTED = "接收"
CLI_REJECTED = "退回"
CLI_DUPLICATE = "重复文件（已处理过）"
CLI_WOULD_ACCEPT = "可以接收"
CLI_WOULD_REJECT = "将被退回"
CLI_INGESTING = "正在接收报送文件"
CLI_NOTHING_NEW = "收件箱中没有新文件 / nothing new in the inbox"
CLI_MORE_PROBLEMS = ("共 {total} 条问题，仅列出 {shown} 条（全部记入数据仓库 submission_problem 表和问题清单） / "
                     "{total} problems, {shown} shown")
CLI_SKIPPED = "暂不读取"
CLI_REFUSED = "拒绝读取"
PROBLEM_LIST_COPY_CAPPED = "原表共有 {total} 个有内容的单元格，副本只复制了前 {shown} 个（按行）"
PROBLEM_LIST_CAPPED = "共 {total} 条问题，本表列出前 {shown} 条（错误在前）；全部问题记入数据仓库 submission_problem 表"
CLI_TEMPLATES_WRITTEN = "已生成模板 {count} 个 / templates written: {count}"
CLI_DOCS_WRITTEN = "数据文档 / Data Docs: {path}"


def _problem_subject(file: str, sheet: str | None, cell: str | None, unit: str | None,
                     indicator: str | None) -> str:
    """The start of a problem's sentence: where it is and which unit and indicator it concerns."""
    where = [f"文件「{file}」"]
    if sheet:
        where.append(f"工作表「{sheet}」")
    if cell:
        where.append(f"单元格 {cell}")
    subject = "".join(f"{label}「{text}」" for label, text in (("单位", unit), ("指标", indicator)) if text)
    return "".join(where) + "：" + (subject + " " if subject else "")


def problem_message(rule: str, file: str, sheet: str | None, cell: str | None, unit: str | None,
                    indicator: str | None, value: str | None, expected: str | None,
                    detail: str | None = None) -> str:
    """One Chinese sentence naming where the problem is, what was seen and what was expected."""
    text = _problem_subject(file, sheet, cell, unit, indicator) + RULES[rule][1]
    if detail:
        text += f"（{detail}）"
    seen = [f"填报值「{value}」" if value not in (None, "") else "", f"应为 {expected}" if expected else ""]
    seen = [s for s in seen if s]
    return text + ("，" + "，".join(seen) if seen else "") + "。"


def problem_reason(problem) -> str:
    """A problem's sentence without what a table's columns show (file, sheet, cell, unit, indicator,
    value): what is wrong and what was expected."""
    start = _problem_subject(problem.file, problem.sheet, problem.cell, problem.unit, problem.indicator)
    text = problem.message.removeprefix(start)
    if problem.value not in (None, ""):
        text = text.replace(f"，填报值「{problem.value}」", "", 1)
    return text


DOCS_TITLE = "报送文件校验结果（Great Expectations 数据文档）"
DOCS_FILE = "文件「{file}」（报送部门 {department}）"
DOCS_UNKNOWN = "未识别"
DOCS_HEADERS = ("校验的文件与报送部门", "结果", "详细页面")
DOCS_PASSED = "全部通过"
DOCS_FAILED = "有未通过的检查"
DOCS_OPEN = "打开"
DOCS_SUITES = "检查规则（期望套件）："

# The intake mailbox (SPEC §10): why a message or one of its parts was not taken
MAIL_ATTACHMENT_TOO_LARGE = "附件「{name}」大小 {mb:.1f} MB，超过上限 {limit:.0f} MB，未接收"
MAIL_BAD_ZIP = "压缩包「{name}」无法解压（已损坏或不是 zip 格式），未接收"
MAIL_ZIP_ENCRYPTED = "压缩包「{zip}」中的「{name}」已加密，无法读取，未接收"
MAIL_ZIP_TOO_LARGE = "压缩包「{zip}」中的「{name}」解压后超过大小上限（疑似压缩炸弹），其后文件均未接收"
MAIL_MESSAGE_TOO_LARGE = "邮件大小 {mb:.1f} MB，超过上限 {limit:.0f} MB，未下载"
MAIL_UNKNOWN_SENDER = "发件人 {sender} 不在 departments.csv 的 email 列中，未接收"
MAIL_NO_SPREADSHEET = "邮件中没有可接收的表格附件（.xlsx、.xlsm、.xls、.ods、.csv 或含表格的 .zip）"
MAIL_STATUS = {"taken": "已接收", "unknown_sender": "发件人未登记", "no_spreadsheet": "无表格附件",
               "too_large": "邮件过大"}
MAIL_DOWN = "邮箱 {host}:{port} 无法连接（{error}），本次只接收 inbox 目录中的文件 / mailbox unreachable, folder inbox only"

# adjustments (人工调整, SPEC §11): kaoping adjust and its sheet
ADJUST_NO_CATALOG = "{period} 没有适用的考评细则"
ADJUST_NO_REASON = "必须填写调整原因"
ADJUST_NO_AUTHOR = "必须填写调整人"
ADJUST_UNIT_UNKNOWN = "单位“{unit}”不在单位登记表中"
ADJUST_UNIT_NOT_ASSESSED = "单位“{unit}”不是 {period} 按 {catalog} 考评的单位"
ADJUST_INDICATOR_UNKNOWN = "指标“{indicator}”不在 {period} 的考评细则中"
ADJUST_INDICATOR_AMBIGUOUS = "指标“{indicator}”在多个考评细则中（{catalogs}），请用指标代码"
ADJUST_DERIVED = "指标 {indicator} 由公式计算，不能直接调整，请调整其来源指标 {sources}"
ADJUST_NOT_NUMBER = "调整数值“{value}”不是数值"
ADJUST_OUT_OF_RANGE = "调整数值 {value} 超出该指标的取值范围 [{lo}, {hi}]"
ADJUST_NOT_INTEGER = "调整数值 {value} 应为整数"
ADJUST_FILE_TYPE = "调整表应为 .xlsx、.xlsm 或 .csv 文件"
ADJUST_NO_HEADER = "未找到表头（需有 单位、指标、数值、原因 列，可有 调整人、期间 列）"
ADJUST_EMPTY = "{fields}未填写"
ADJUST_EMPTY_SHEET = "表中没有调整记录"
