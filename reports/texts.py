"""Every Chinese text the reports show, kept together so it can be read and reviewed at once."""
from __future__ import annotations

CREATOR = "kaoping"


SHEET_RANKING = "排名总表"
SHEET_SCORES = "分项得分"
SHEET_DETAILS = "指标明细"
SHEET_DETAILS_MORE = "指标明细({n})"
SHEET_SUBMISSIONS = "报送情况"
SHEET_STABILITY = "排名稳定性"
SHEET_NOTES = "说明"
SHEET_FEEDBACK = "考评反馈"
SHEET_TREND = "历次排名"

RANKING_TITLE = "{label}{name}排名"
SCORES_TITLE = "{label}{name}分项得分"
DETAILS_TITLE = "{label}{name}指标明细"
SUBMISSIONS_TITLE = "{label}{name}数据报送情况"
STABILITY_TITLE = "{label}{name}排名稳定性分析"
NOTES_TITLE = "{name}说明"
FEEDBACK_TITLE = "{unit}{label}{scheme}情况反馈"
INCOMPLETE_MARK = "【数据不完整，待报送：{departments}】"
MISSING_MARK = "【缺报：{departments}】"
REVIEW_MARK = "【征求意见稿】"
REVIEW_HEADER = "征求意见稿"
SUBTITLE = "评分批次 {run_id}　　数据截止 {cutoff}　　发布 {published}"

RANK, UNIT, UNIT_CODE, GROUP, TOTAL, GRADE = "名次", "单位", "单位代码", "分组", "总分", "等次"
BONUS, PENALTY, VETO, RANK_CHANGE, ALERTS = "加分", "扣分", "一票否决", "名次变化", "预警"
VETO_MARK = "否决"
NO_CHANGE = "持平"
CATEGORY_HEADER = "{name}\n({points:g}分)"
INDICATOR_HEADER = "{code} {name}\n({note})"
POINTS = "{points:g}分"

DETAIL_HEADERS = ("单位代码", "单位", "指标代码", "指标名称", "计量单位", "原始填报", "采用值",
                  "得分", "满分", "标记", "取值期间", "报送部门", "报送文件", "工作表", "单元格")
SUBMISSION_HEADERS = ("报送部门", "文件", "接收时间", "状态", "错误数", "警告数", "数值个数", "时效")
TIMELINESS_TITLE = "报送时限（按时报送率 {rate}）"
TIMELINESS_HEADERS = ("报送部门", "部门代码", "截止日期", "首次接收", "报送情况")
FILE_ON_TIME, FILE_LATE = "按时", "迟报{days}天"
SUBMISSION_STATUS = {"accepted": "已采用", "rejected": "已退回", "superseded": "已被替代"}
STABILITY_HEADERS = ("单位", "名次", "中位名次", "名次区间下限(P5)", "名次区间上限(P95)")
STABILITY_NOTE = ("注：对各一级指标分值在±{width:.0%}范围内随机扰动 {draws} 次后重新排名，"
                  "名次区间越窄，排名越稳定。")

NOTES_FIELDS = ("考评细则代码", "考评细则名称", "考评期间", "考评对象", "评分批次", "批次状态",
                "发布时间", "数据截止时间", "输入数据哈希", "生成者")
NOTES_RULES = ("等次评定", "加分上限", "总分下限", "同分排序", "分组排名")
NOTES_OFFICE = ("制表单位", "制表", "审核")
ASSESSED_KIND = {"county": "县（市、区）", "town": "乡镇（街道）", "township": "乡镇（街道）",
                 "department": "成员单位", "member": "成员单位", "district": "区", "city": "市"}
GRADE_RULE = "{name}：总分 ≥ {min_score:g} 分"
GRADE_RULE_SHARE = "{rule}，且名次在前 {share:g}%（{scope}共 {n} 个单位，最多 {quota} 个）"
GRADE_RULE_SHARE_ANY = "{rule}，且名次在前 {share:g}%（最多 floor({share:g}% × 参评单位数) 个）"
GRADE_RULE_SHARE_GROUPED = "{rule}，且名次在本组前 {share:g}%（每组最多 floor({share:g}% × 本组单位数) 个）"
GRADE_RULE_REST = "{name}：其余单位"
GRADE_RULE_VETO = "有一票否决事项的单位定为{grade}（名次仍按总分）"
GRADE_RULES_JOIN = "；"
BONUS_CAP = "加分合计最多 {cap:g} 分"
BONUS_NO_CAP = "加分合计不设上限"
BONUS_NONE = "本细则无加分项"
FLOOR_ZERO = "扣分后总分最低为 0 分"
FLOOR_NEGATIVE = "扣分后总分可以为负"
TIE_BREAKERS = "总分（保留 2 位小数）相同时，依次比较{items}得分，高者在前；仍相同的名次并列，按单位代码排列"
TIE_NONE = "总分（保留 2 位小数）相同的名次并列，按单位代码排列"
TIE_ITEM = "{name}（{code}）"
RANK_GROUPED = "各分组分别计算比较赋分、位次赋分、名次、等次名额和同分排序"
RANK_WHOLE = "所有单位统一排名"
OFFICE_LINE = "制表单位：{office}　　制表：{prepared}　　审核：{reviewed}"
BLANK_SIGN = "＿＿＿＿＿＿"
DETAILS_SPLIT = "共 {rows} 行，超过 Excel 单个工作表的行数上限，依次分在 {sheets} 共 {n} 个工作表中"
RUN_STATUS = {"draft": "草稿", "published": "已发布"}
NOTES_INDICATOR_HEADERS = ("指标代码", "指标名称", "一级指标", "类型", "分值", "计分方法")
KIND = {"scored": "计分", "bonus": "加分", "penalty": "扣分", "veto": "一票否决",
        "input": "基础数据", "derived": "派生数据", "deduction": "一级指标扣分"}
MISSING_NOTE = {"zero": "缺报计 0 分", "previous": "缺报沿用上期数值", "exclude": "缺报不计分并折算"}

FLAG_MISSING, FLAG_PREVIOUS, FLAG_EXCLUDED = "缺报", "沿用上期", "不计分"

SUMMARY_TOTAL, SUMMARY_RANK, SUMMARY_GRADE = "总分", "名次", "等次"
SUMMARY_GAP_ABOVE, SUMMARY_GAP_GRADE, SUMMARY_ALERTS = "与上一名差距", "距上一等次", "预警"
SUMMARY_RANK_CHANGE = "名次变化"
NO_EARLIER = "无上期排名"
SECTION_INDICATORS = "一、各项指标得分及失分原因"
SECTION_EXTRAS = "加分、扣分及一票否决"
SECTION_TREND = "二、历次考评情况"
FEEDBACK_HEADERS = ("指标代码", "指标名称", "计量单位", "填报值", "得分", "满分", "失分", "失分原因")
TREND_HEADERS = ("期间", "总分", "名次", "等次")
TREND_CHART = "历次总分走势"
CHART_TOTALS = "总分"
TOP_RANK = "已居首位"
TOP_GRADE = "已是最高等次"
GAP_ABOVE = "落后上一名 {above} {gap:.2f} 分"
GAP_GRADE = "距{grade}（{min_score:g}分）差 {gap:.2f} 分"
GAP_GRADE_REACHED = "分数已达{grade}（{min_score:g}分），受等次名额比例限制"
GAP_GRADE_LIMITED = "分数已达{grade}（{min_score:g}分），受等次限制（见等次说明）"
GAP_VETOED = "因一票否决定为{grade}"
OF_RANKED = "{rank}（共 {n} 个单位）"

REASON_MISSING = "缺报，计 0 分"
REASON_EXCLUDED = "缺报，不计分（总分按其余指标折算）"
REASON_PREVIOUS = "沿用上期（{period}）数值；"
REASON_BELOW_TARGET = "未达目标值 {target}（实际 {value}）"
REASON_ABOVE_TARGET = "高于目标值 {target}（实际 {value}）"
REASON_AT_FLOOR = "未达下限 {floor}（实际 {value}），不得分"
REASON_AT_CEILING = "达到上限 {ceiling}（实际 {value}），不得分"
REASON_DEDUCTION = "发生 {value}扣 {lost} 分"
REASON_RELATIVE = "比较赋分：本单位 {value}，最优 {best}"
REASON_RANK = "位次赋分：第 {rank} 位（共 {n} 个单位）"
REASON_BONUS = "加 {score} 分（{value}）"
REASON_PENALTY = "扣 {score} 分（{value}）"
REASON_VETO = "发生 {value}，一票否决"

NOTE_THRESHOLD_HIGH = "达标赋分：≥{target} 得满分，≤{floor} 得 0 分，其间按比例计分"
NOTE_THRESHOLD_LOW = "达标赋分：≤{target} 得满分，≥{ceiling} 得 0 分，其间按比例计分"
NOTE_RELATIVE = "比较赋分：按在各单位中的相对位置计分（{direction}，保底比例 {base}）"
NOTE_RANK = "位次赋分：第 1 名得满分，每后一位减 {step} 分，最低 {min_points} 分（{direction}）"
NOTE_DEDUCTION = "扣分：每 1 {unit}扣 {per} 分，扣完为止"
NOTE_BONUS = "加分：每 1 {unit}加 {per} 分，本项最多 {cap} 分"
NOTE_PENALTY = "扣分：每 1 {unit}从总分扣 {per} 分{cap}"
NOTE_PENALTY_CAP = "，最多扣 {cap} 分"
NOTE_VETO = "数值大于 0 即一票否决，等次定为{grade}"
NOTE_RATIO = "计算：{a} ÷ {b}{scale}"
NOTE_SCALE = " × {scale}"
NOTE_YOY = "计算：{x}同比变化率（%）＝（本期 − 上年同期）÷ 上年同期 × 100"
NOTE_INPUT = "基础数据，不直接计分"
DIRECTION = {"higher_better": "越高越好", "lower_better": "越低越好"}
NOTE_MISSING = "；{policy}"
UNKNOWN = "未记录"

MAIL_SUBJECT = "{label}平安建设考评结果"
MAIL_BODY = ("{name}：\n\n　　附件为{label}平安建设考评结果（{files}），请查收。"
             "如对数据有异议，请与{office}联系。\n\n{office}\n（本邮件由 kaoping 考评系统自动发送，请勿直接回复）\n")
SEND_MISSING_FILE = "文件不存在，请先运行 kaoping publish：{path}"
SEND_FAILED = "发送失败（第 {attempts} 次尝试）：{error}"

# SPEC §4b rule families in words (rule notes, reasons, grade effects, combined years)
NOTE_BANDS = "分档：{bands}"
NOTE_BAND_SCORE = "{when}得 {score} 分"
NOTE_BAND_BONUS = "{when}加 {score} 分"
NOTE_BAND_PENALTY = "{when}扣 {score} 分"
BAND_MIN, BAND_MAX, BAND_BETWEEN, BAND_REST = "{min} 及以上", "{max} 及以下", "{min} 至 {max} 之间", "其余"
NOTE_CURVE = "分段线性：{knots}，其间按直线计分，两端以外不变"
NOTE_CURVE_KNOT = "{x} 得 {y} 分"
NOTE_CURVE_BONUS = "分段线性加分：{knots}，其间按直线计算"
NOTE_CURVE_PENALTY = "分段线性扣分：{knots}，其间按直线计算"
NOTE_DIRECT = "评分录入：报送的数值即为得分（0–{points} 分）"
NOTE_ITEM_CAP = "，本项最多 {cap} 分"
NOTE_POOL = "；与{others}合计最多扣 {cap} 分（{name}）"
NOTE_CATEGORY_DEDUCTION = "一级指标扣分：每 1 {unit}扣 {per} 分{cap}，扣至 0 分为止"
NOTE_CATEGORY_CAP = "，本一级指标最多扣 {cap} 分"
NOTE_MAX_GRADE = "限制等次：{event}，不得评为{better}"
NOTE_DEMOTE = "降低等次：{event}，等次降低 {n} 个"
NOTE_SUM = "计算：{terms}"
NOTE_BENCHMARK = "计算：{x} 与{reference}比较（{how}）"
REFERENCE = {"peer_mean": "各单位平均值", "peer_median": "各单位中位数"}
REFERENCE_HISTORY = "本单位近 {n} 年同期平均值"
REFERENCE_INPUT = "{name}"
BENCHMARK_AS = {"difference": "差值", "percent": "差值占比，%"}
NOTE_BY_GROUP = "；{group}：{rule}"
REASON_BANDS = "分档：{top}，本单位 {value}，得 {score} 分"
REASON_CURVE = "分段线性：本单位 {value}，得 {score} 分"
REASON_DIRECT = "评分录入：得 {score} 分（满分 {points} 分）"
EVENT = "发生{name}"  # an item named 发生… keeps its own word
REASON_MAX_GRADE = "限制等次：{event}，不得评为{better}"
REASON_DEMOTE = "降低等次：{event}，等次降低 {n} 个"
COMBINED = "年度综合 = {parts}"
COMBINED_PART = "{name} {value} × {weight}"
COMBINED_PART_NAME = {"quarter": "季度平均", "month": "月度平均", "year": "年终考核"}
COMBINE_RULE_PART = "{name} × {weight}"
COMBINE_PART_MEANING = {"quarter": "季度平均为本年度 4 个季度考评总分的平均", "month": "月度平均为本年度 12 个月考评总分的平均",
                        "year": "年终考核为按年度数据考评的总分"}
COMBINE_MEANINGS = "（{meanings}）"
COMBINE_MISSING = {"zero": "；某{grain}无排名的单位，该{grain}计 0 分",
                   "skip": "；某{grain}无排名的单位，按其有排名的{grain}平均"}
GRAIN = {"quarter": "季度", "month": "月"}
POOL_RULE = "{name}：{members}合计最多扣 {cap} 分"
REMARKS = "计分说明"  # 排名总表: the combined year and the grade effects that changed a unit's grade
SUMMARY_COMBINED, SUMMARY_EFFECTS = "年度综合", "等次说明"
GRADE_EARNED = "按得分为{earned}"
COMBINED_SKIPPED = "（{n} 个季度有排名，按其平均）"

# the 考评细则 as a document (kaoping catalog show / export)
SHEET_CATALOG = "考评细则"
CATALOG_FILE = "{code}_考评细则.xlsx"
CATALOG_TITLE = "{name}细则"
CATALOG_SUBTITLE = "细则代码 {code}　　考评对象 {kind}　　满分 {full_marks} 分"
CATALOG_HEADERS = ("一级指标", "指标代码", "指标名称", "分值", "报送部门", "评分标准", "报送时限")
CATALOG_SECTION = {"bonus": "加分项", "penalty": "扣分项", "veto": "否决及限等",
                   "input": "基础数据", "derived": "计算数据"}
CATALOG_COMPUTED = "系统计算"
CATALOG_DUE = "期末后 {days} 日内"
CATALOG_POOLS, CATALOG_COMBINE, CATALOG_DEADLINE = "扣分限额", "年度计分", "报送时限"
CATALOG_DEADLINE_RULE = "各部门于每个考评期间结束后 {days} 日内报送数据"

# 问题清单 (the document a department receives for a rejected file)
PROBLEMS_TITLE = "报送文件问题清单"
PROBLEMS_FACTS = "文件：{file}　　报送部门：{department}　　考评期间：{period}　　错误 {errors} 处　　提示 {warnings} 处"
PROBLEMS_REJECTED = "本文件有错误，已被退回，其中的数据均未采用。"
PROBLEMS_ACCEPTED = "本文件已采用；以下提示请核实。"
PROBLEMS_STEPS = ("请按以下步骤处理：1. 逐条阅读下表，标为【错误】的问题必须改正，【提示】请核实；"
                  "2. 在原文件中改正（工作表“{sheet}”是原表副本，问题单元格已标红或标黄，鼠标停在单元格上可看批注）；"
                  "3. 改正后将整个文件重新报送（同一部门、同一期间的新文件会替代本文件）；"
                  "4. 如认为判断有误，请与平安办联系。")
PROBLEMS_STEPS_NO_COPY = ("请按以下步骤处理：1. 逐条阅读下表，标为【错误】的问题必须改正，【提示】请核实；"
                          "2. 在原文件中改正；3. 改正后将整个文件重新报送（同一部门、同一期间的新文件会替代本文件）；"
                          "4. 如认为判断有误，请与平安办联系。")
PROBLEMS_UNKNOWN = "未能识别"
PROBLEMS_COPY_TITLE = "原表副本：{sheet}（红色为错误，黄色为提示，批注为问题说明）"

# 回执、退回、催报 (SPEC §10): what a department reads
UNKNOWN_SENDER = "报送单位"
OFFICE_DEFAULT = "平安办"  # who signs mail when kaoping.toml's [office] name is empty
MAIL_FOOTER = "\n\n{office}\n（本邮件由 kaoping 考评系统自动发送。如有疑问，请与{office}联系。）\n"
RECEIPT_SUBJECT = "【回执】{department}{label}报送数据已接收：{file}"
RECEIPT_BODY = ("{department}：\n\n　　你单位于 {received} 报送的《{file}》已通过校验，数据已接收入库。\n\n"
                "　　考评期间：{label}\n　　采用单位：{units} 个（{unit_names}）\n"
                "　　采用指标：{indicators} 项（{indicator_names}）\n　　采用数值：{values} 个\n")
RECEIPT_DEADLINE = "　　报送时限：{deadline}前，本次报送{state}\n"
RECEIPT_REPLACES = "　　本文件替代你单位此前于 {received} 报送的《{file}》，原文件数据不再采用。\n"
RECEIPT_WARNINGS = "\n　　提示（不影响接收，请核实）共 {n} 条：\n{items}"
RETURN_SUBJECT = "【退回】{department}{label}报送文件未通过校验：{file}"
RETURN_BODY = ("{department}：\n\n　　你单位于 {received} 报送的《{file}》未通过校验，已退回，文件中的数据均未采用。\n\n"
               "　　问题共 {n} 处：\n{items}\n　　问题清单见附件《{report}》（问题单元格已标出）。"
               "请修改后重新报送{by}。\n")
RETURN_BY = "，报送截止日期为 {deadline}"
ITEM = "　　{k}. {text}\n"
MORE_ITEMS = "　　……另有 {n} 条，详见问题清单。\n"
LIST_MORE = "等"
STATE_ON_TIME = "按时"
STATE_LATE = "迟报 {days} 天"
REMINDER_SUBJECT = "【催报】请报送{label}平安建设考评数据（{department}）"
REMINDER_BEFORE = ("{department}：\n\n　　{label}平安建设考评数据报送截止日期为 {deadline}（还有 {days_left} 天），"
                   "目前尚未收到你单位的报送。\n")
REMINDER_AFTER = ("{department}：\n\n　　{label}平安建设考评数据报送截止日期为 {deadline}，已逾期 {days_late} 天，"
                  "目前仍未收到你单位的报送，请尽快报送。\n")
REMINDER_WHAT = ("\n　　需报送的指标共 {n} 项：\n{items}\n　　请将填好的表格（可用 kaoping 报送模板）作为附件发送至{address}，"
                 "文件名请注明单位和期间（如“{example}”）。\n")
REMINDER_ADDRESS_MAIL = "邮箱 {address}"

# the 通报 (Word bulletin, SPEC §11)
BULLETIN_OFFICE_DEFAULT = "平安建设领导小组办公室"
BULLETIN_TITLE = "关于{label}{scheme}情况的通报"
BULLETIN_DOC_NUMBER = "{prefix}〔{year}〕　　号"
BULLETIN_ADDRESSEE = {"county": "各县（市、区）平安办：", "township": "各乡镇（街道）平安办：",
                      "department": "市平安建设领导小组各成员单位："}
BULLETIN_ADDRESSEE_DEFAULT = "各被考评单位："
BULLETIN_OPENING = ("根据《{catalog}细则》，{office}对{n}个单位{label}平安建设工作进行了考评，"
                    "考评数据截至{cutoff}。现将有关情况通报如下：")
BULLETIN_GROUPS = "本期按{groups}分组排名。"
H_OVERVIEW, H_RESULTS, H_ADVANCED, H_VETO, H_ALERTS, H_WEAK, H_REPORTING, H_CHARTS, H_REQUIREMENTS = (
    "总体情况", "考评结果", "先进单位", "一票否决及等次调整情况", "预警情况", "排名后三位单位的薄弱环节",
    "数据报送情况", "考评态势", "工作要求")
CHINESE_NUMERALS = "一二三四五六七八九十"
OVERVIEW = ("本期参加考评单位{n}个，平均得分{mean}分，最高{best}分（{best_unit}），最低{worst}分（{worst_unit}）。"
            "考评等次分布：{grades}。")
OVERVIEW_GROUP = "{group}组{n}个单位，平均得分{mean}分，最高{best}分（{best_unit}），最低{worst}分（{worst_unit}）。"
GRADE_COUNT = "{grade}{n}个"
RESULTS_LEAD = "各单位考评总分、等次及名次见表1，各一级指标得分见附件。"
TABLE_RESULTS = "表1　{label}{scheme}结果"
RESULTS_HEADERS = ("名次", "单位", "总分", "等次", "较上期")
ADVANCED = "{units}{count}考评等次为{grade}，予以通报表扬。"
ADVANCED_NONE = "本期无单位考评等次为{grade}。"
VETO_LINE = "{unit}因{items}，实行一票否决，考评等次定为{grade}。"
EFFECT_CAP_LINE = "{unit}因{items}，考评等次不得高于{grade}，定为{final}。"
EFFECT_DEMOTE_LINE = "{unit}因{items}，考评等次降低{n}个等次，定为{final}。"
NONE = "无。"
STREAK_LINE = "{units}连续{n}期排名{where}末位。"
DROP_LINE = "{unit}考评等次由{before}下降为{after}。"
ALERT_CLOSING = "请上述单位认真查找原因，切实加以整改。"
WEAK_LINE = ("{unit}（{where}第{rank}名，总分{total}分）：得分率最低的一级指标为“{category}”，"
             "得{score}分（满分{points}分，得分率{rate}）。")
REPORTING_ALL = "应报送数据的{n}个部门均已报送。"
REPORTING_COUNTS = "应报送数据的部门{n}个，已报送{sent}个。"
REPORTING_MISSING = "缺报：{departments}。"
REPORTING_LATE = "迟报：{departments}。"
REPORTING_LATE_ITEM = "{department}（迟报{days}天）"
REPORTING_ON_TIME = "按时报送率{rate}。"
CHART_LEAD = "各单位总分见图1，各单位一级指标得分率态势见图2（得分率＝得分÷该项满分）。"
FIGURE_TOTALS = "图1　各单位考评总分"
FIGURE_HEATMAP = "图2　各单位一级指标得分率态势图"
FIGURE_PART = "{caption}（{k}/{n}）"
CHART_SUBSET = "（{each}排名前{k}位和后{k}位，共{n}个单位）"
CHART_EACH_GROUP = "各组"
CHARTS_MISSING = "（本机未安装中文字体，图表从略。）"
REQUIREMENTS = ("各单位要对照考评结果，认真分析查找工作中的差距和不足，巩固成绩、补齐短板。"
                "排名靠后、受到预警的单位要深入剖析原因，制定整改措施，切实推动平安建设各项工作落实见效。")
ANNEX_LABEL = "附件"
ANNEX_TITLE = "{label}{scheme}各单位一级指标得分情况"
ANNEX_LEAD = "附件：{title}"
WHERE_GROUP = "{group}组"
TOTAL_AXIS = "总分"
HEAT_AXIS_UNIT, HEAT_AXIS_CATEGORY = "单位", "一级指标"
PAGE_DASH = "— {page} —"
DATE = "{d.year}年{d.month}月{d.day}日"

# adjustments (人工调整, SPEC §11)
FLAG_ADJUSTED = "人工调整"
NOTES_ADJUSTMENTS = "人工调整（共 {n} 项，评分采用调整后的数值）"
NOTES_ADJUSTMENT_HEADERS = ("单位", "指标", "原报送值", "调整后数值", "调整原因", "调整人、时间、来源")
NOTES_ADJUSTMENT_BY = "{author}，{when}，{source}"
NOTES_ADJUSTMENT_FORMULA = "（影响 {codes}）"
REASON_ADJUSTED = "人工调整：{value}（原因：{reason}；调整人：{author}）"
REASON_ADJUSTED_FORMULA = "人工调整 {code} 为 {value}（原因：{reason}；调整人：{author}）"

# 变更说明 (SPEC §11): the changes of a version against the one before it
SHEET_CHANGES = "变更说明"
CHANGES_TITLE = "{label}{name}变更说明（第{new}版较第{old}版）"
CHANGES_HEADERS = ("单位", "原总分", "新总分", "原排名", "新排名", "原等次", "新等次", "变更原因")
CHANGES_NONE = "与第{old}版相比，各单位总分、排名和等次均无变化。"
CHANGE_LINE = "{indicator}：数值 {value_old} → {value_new}，得分 {score_old} → {score_new}（{cause}）"
CHANGE_ADJUSTED = "人工调整，原因：{reason}，调整人：{author}"
CHANGE_RESUBMITTED = "{department}重新报送《{new}》，取代《{old}》"
CHANGE_NO_FILE = "无"
CHANGE_PEERS = "随其他单位数据变化"
CHANGE_RANK_ONLY = "本单位数据未变，因其他单位得分变化而名次变动"

# 指标明细: the sent values under a computed indicator (计算依据)
INPUT_NAME = "└ {name}"
INPUT_FLAG = "计算依据"
INPUT_FLAG_MISSING = "计算依据;未报送"
