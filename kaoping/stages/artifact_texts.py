"""Chinese text of the flows' artifacts (what operators read in the Prefect UI), kept together."""

STATUS = {"accepted": "已接收", "rejected": "已退回", "duplicate": "重复文件", "superseded": "已被替代",
          "skipped": "暂不读取", "refused": "拒绝读取"}
RANKING_COLUMNS = {"rank": "排名", "unit_code": "单位代码", "unit_name": "单位", "group": "分组",
                   "total": "总分", "grade": "等次", "is_vetoed": "一票否决", "rank_change": "排名变化",
                   "alerts": "预警"}
POSITION = "位置"
VETOED = "否决"
TOP, BOTTOM = "前列", "末位"
INTAKE_TITLE = "## 报送接收情况"
INTAKE_HEADER = "| 文件 | 部门 | 期间 | 结果 | 主要问题 |\n| --- | --- | --- | --- | --- |"
NOTHING_NEW = "收件箱中没有新文件。"
MISSING = "未报送（{period}）：{departments}"
NONE_MISSING = "{period} 各部门均已报送。"
OUTPUTS_TITLE = "## {period} 输出文件"
FOLDER_FILES = "- [{folder}/]({uri})：{n} 个文件"
SKIPPED = "无已接收报送、未排名的期间：{periods}"
RANKING_DESCRIPTION = "{catalog} {period} 排名（前 {n} 名与末 {n} 名），评分批次 {run_id}"
UNKNOWN = "—"
TIMELINESS = "{period} 报送时限：按时报送率 {rate}"
VERSIONS_TITLE = "## 各期间考评结果状态"
VERSIONS_HEADER = "| 期间 | 状态 | 通报 |\n| --- | --- | --- |"
NO_BULLETIN = "—"
