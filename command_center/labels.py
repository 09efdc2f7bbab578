"""Every word the product shows, in Chinese and in English: one column per language.

The command line, the screens, the exports and the messages take their words from here, so
``--lang en`` shows no Chinese label and ``zh`` no English one (names, 案号 and other data
excepted).  Each table maps a language to its words; :func:`say` formats a sentence.
"""

from __future__ import annotations

LANGS = ("zh", "en")

#: a deadline's state on the wall and in the lists: due soon, then overdue by its tier
TIERS = {
    "zh": {"due_soon": "临期", "overdue": "超期", "blue": "蓝灯", "yellow": "黄灯", "red": "红灯"},
    "en": {"due_soon": "due soon", "overdue": "overdue", "blue": "blue", "yellow": "yellow", "red": "red"},
}
ALERT_STATUSES = {
    "zh": {"open": "待处理", "acknowledged": "已认领", "silenced": "已静默", "resolved": "已解除"},
    "en": {"open": "open", "acknowledged": "acknowledged", "silenced": "silenced", "resolved": "resolved"},
}
#: the response each light demands (克旗): blue 电子说明, yellow 当面汇报, red 约谈 + 专项评查
RESPONSES = {
    "zh": {"explanation": "电子说明", "report": "当面汇报", "interview": "约谈+专项评查"},
    "en": {"explanation": "written explanation", "report": "in-person report", "interview": "interview + special review"},
}
RESPONSE_STATES = {
    "zh": {"done": "已完成", "submitted": "已提交待审", "missing": "未提交", "late": "逾期未交"},
    "en": {"done": "done", "submitted": "submitted", "missing": "missing", "late": "late"},
}
#: 临时督办: how an ad-hoc supervision item's node is shown
AD_HOC = {"zh": "督办", "en": "Ad hoc"}

#: where a year of the working-day calendar comes from (``YearSource`` values)
YEAR_SOURCES = {
    "zh": {"official": "官方", "provisional": "临时估算", "override": "本院录入"},
    "en": {"official": "official", "provisional": "provisional", "override": "court override"},
}
WEEKDAYS = {"zh": ("一", "二", "三", "四", "五", "六", "日"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}

#: the 三明确 card: stages (the catalogue's own Chinese names, in English), units, and when a
#: node's clock starts (``TriggerKind`` values)
STAGES_EN = {"立案": "Filing", "调查": "Investigation", "控制": "Control", "处置": "Disposal", "案款": "Funds", "结案": "Closing",
             "归档": "Archiving", "临时督办": "Ad-hoc supervision"}
UNITS = {
    "zh": {"hours": "小时", "days": "日", "workdays": "个工作日", "months": "个月", "expiry": "到期日"},
    "en": {"hours": "hours", "days": "days", "workdays": "working days", "months": "months", "expiry": "expiry date"},
}
TRIGGERS = {
    "zh": {"event": "事件发生", "filing": "立案", "fund": "案款到账", "asset": "查扣财产", "account": "冻结账户", "lead": "线索报告",
           "closing": "结案", "after": "{code} 完成起", "from": "{only}{what}起", "only_sep": "/", "time_limit": "{trigger} {limit}"},
    "en": {"event": "the event", "filing": "filing", "fund": "the fund's arrival", "asset": "the seizure", "account": "the freeze",
           "lead": "the lead's report", "closing": "closing", "after": "from {code}'s completion", "from": "from {only}{what}",
           "only_sep": "/", "time_limit": "{limit} {trigger}"},
}

#: the morning brief's quality indicators (shared/DOMAIN.md §6), by key
INDICATORS = {
    "zh": {
        "first_closure_rate": "首执结案率", "completion_rate": "执行完毕率", "terminated_rate": "终本率",
        "recovery_rate": "实际执行到位率", "mean_closing_days": "结案平均用时(天)", "on_time_rate": "法定期限内结案率",
        "mean_disbursement_days": "案款平均发放周期(天)", "double_zero_count": "双零(超30天未发放)笔数",
        "double_zero_amount": "双零金额(元)", "red": "红灯案件", "yellow": "黄灯案件", "blue": "蓝灯案件",
        "overdue_nodes": "超期节点", "due_soon_nodes": "临期节点", "undisbursed_amount": "剩余未发放案款(元)",
    },
    "en": {
        "first_closure_rate": "First-enforcement closure rate", "completion_rate": "Enforced in full",
        "terminated_rate": "Terminated, no assets", "recovery_rate": "Amount recovered",
        "mean_closing_days": "Mean days to close", "on_time_rate": "Closed within the term",
        "mean_disbursement_days": "Mean days to disburse",
        "double_zero_count": "Funds > 30 days undisbursed", "double_zero_amount": "Their amount (yuan)",
        "red": "Red cases", "yellow": "Yellow cases", "blue": "Blue cases",
        "overdue_nodes": "Overdue nodes", "due_soon_nodes": "Nodes due soon",
        "undisbursed_amount": "Undisbursed funds (yuan)",
    },
}

#: the text messages (SMS) the outbox sends, in Chinese: officers' and applicants' phones
MESSAGES = {
    "due_soon": "【执行指挥中心】{case_no} {node}{subject} 将于 {due_date} 到期, 请及时办理。",
    "tier_changed": "【执行指挥中心】{case_no} {node}{subject} 已超期 (期限 {due_date}), 预警等级: {tier}。",
    "red_case": "【执行指挥中心】红灯案件: {case_no} {node}{subject} 期限 {due_date}, 已超期3个月以上, 需约谈并专项评查。",
    "node_completed": "【执行法院】您申请执行的 {case_no} 已完成节点: {node}。",
    "escalated": "【执行指挥中心】{by} 上报: {case_no} {node}{subject}: {note}",
    "other": "【执行指挥中心】{case_no} {node}{subject}",
}

#: the command line's sentences, formatted by :func:`say`
CLI = {
    "zh": {
        # recompute
        "recomputed": "重算完成 {now:%Y-%m-%d %H:%M} ({seconds:.2f} 秒)",
        "recompute_changes": "新增 {opened}, 重开 {reopened}, 解除 {resolved}, 层级变化 {tier_changes}, 新节点 {nodes_written}, "
                             "期限变化 {dues_changed}, 待发通知 {messages}, 锁死案件 {locked}",
        "calendar_changed": "工作日历已变化: 全部期限已重新计算",
        # alerts
        "never": "从未",
        "alerts_stale": "注意: 预警截至上次重算 ({when}); 运行 `command-center recompute` 可更新",
        "alerts_header": "层级|案号|节点|对象|期限|超期天数|状态|应对",
        "alerts_count": "共 {count} 条",
        "provisional_legend": " (* 临时期限)",
        # indicators
        "as_of": "截至 {now:%Y-%m-%d %H:%M}",
        "new_cases_today": "今日新收案件数", "undisbursed": "剩余未发放案款", "undisbursed_value": "{amount:,.2f} 元 ({count:,})",
        "due_soon_nodes": "临期节点预警", "overdue_nodes": "超期节点", "red": "红灯 超3个月", "yellow": "黄灯 超2个月",
        "blue": "蓝灯 超1个月", "funds_3_7": "3+7 超期案款", "funds_30": "超30天未发放", "freezes": "续冻临期账户",
        "open_all": "未结/全部案件",
        # demo and calendar
        "generating_demo": "生成演示数据",
        "granted": "已授权 {role}: 可读写业务表, 审计日志只能追加和查询",
        "rest_day": "休", "work_day": "班", "provisional": " (临时)",
        "calendar_header": "年份|来源|本院调整",
        "calendar_extra": "+{rest} 休 / +{work} 班",
        "overrides_file": "本院日历调整文件: {path}",
        "no_overrides_file": "未配置本院日历调整文件 (calendar_overrides)",
        "provisional_note": "临时估算年份的期限均标记为临时, 官方安排公布后请录入调整文件。",
        # users and audit
        "user_added": "已添加用户 {login} ({role})", "password_changed": "已修改密码: {login}", "user_disabled": "已停用用户: {login}",
        "no_audit": "无审计记录",
        "audit_intact": "审计日志完整: {count:,} 条, 链尾哈希 {head} (请另行保存以便日后核对)",
        "audit_broken": "审计日志被改动: 第 {id} 号记录 ({reason}); 此前 {count:,} 条完整",
        # brief and snapshots
        "wrote": "已写入 {path}", "snapshots": "快照", "snapshot_values": "个数值",
        # import and template
        "phase_read": "读取校验", "phase_write": "比对写入", "phase_recompute": "重算受影响案件 …",
        "import_rejected": "{path}: {count} 处问题, 未导入任何数据 (数据库保持不变)",
        "import_interrupted_after": "已导入, 重算被中断: 调度器下次运行时会重算这些案件",
        "import_interrupted": "已中断, 未导入任何数据 (数据库保持不变)",
        "dry_run": "试运行 {path}: 文件有效, 以下为将发生的变化, 未写入任何数据",
        "imported": "已导入 {path} ({seconds:.1f} 秒)",
        "import_header": "表|读取|新增|更新|未变",
        "courts": "法院", "teams": "团队", "officers": "承办人", "created": "  新建{what}: {items}", "and_more": " 等 {count} 个",
        "unchanged": "  无变化: 数据库已与文件一致",
        "would_affect": "  将影响 {count:,} 个案件", "affected": "  受影响案件 {count:,} 个",
        "import_recompute": "  重算: 新增预警 {opened}, 重开 {reopened}, 解除 {resolved}, 层级变化 {tier_changes}, "
                            "新节点 {nodes_written}, 期限变化 {dues_changed} ({seconds:.2f} 秒)",
        "template_not_xlsx": "{path}: 模板须为 .xlsx 文件", "file_exists": "{path} 已存在; 用 --force 覆盖",
        "no_folder": "{path}: 目录不存在", "template_written": "已写入模板 {path} (必填列以 * 标记, 红色表头)",
        "problem_sheet": " 表", "problem_row": " 第 {row} 行",
        "file_rejected": "{problem}; 未导入任何数据 (数据库保持不变)",
        "sheet_hidden": " (隐藏)", "did_you_mean": " (是否应为 {name}?)", "list_sep": "、",
        "ignored_sheets": "  未导入 (不是可识别的表名): {sheets}", "recognised_sheets": "  可识别的表名: {names}",
    },
    "en": {
        "recomputed": "Recomputed as of {now:%Y-%m-%d %H:%M} in {seconds:.2f} s",
        "recompute_changes": "opened {opened}, reopened {reopened}, resolved {resolved}, tier changes {tier_changes}, "
                             "nodes written {nodes_written}, due dates changed {dues_changed}, messages queued {messages}, "
                             "cases locked {locked}",
        "calendar_changed": "the working-day calendar changed: every due date was recomputed",
        "never": "never",
        "alerts_stale": "note: alerts are as of the last recompute ({when}); run `command-center recompute` to bring them up to date",
        "alerts_header": "tier|case|node|subject|due|days late|status|response",
        "alerts_count": "{count} alerts",
        "provisional_legend": " (* provisional due date)",
        "as_of": "As of {now:%Y-%m-%d %H:%M}",
        "new_cases_today": "New cases today", "undisbursed": "Undisbursed funds", "undisbursed_value": "{amount:,.2f} yuan ({count:,})",
        "due_soon_nodes": "Nodes due soon", "overdue_nodes": "Overdue nodes", "red": "Red (> 3 months)", "yellow": "Yellow (> 2 months)",
        "blue": "Blue (> 1 month)", "funds_3_7": "Funds late on 3+7", "funds_30": "Undisbursed > 30 days",
        "freezes": "Freezes expiring", "open_all": "Open / all cases",
        "generating_demo": "Generating demo data",
        "granted": "Granted {role} what the terminals and schedulers need; the audit log only INSERT and SELECT",
        "rest_day": "rest day", "work_day": "working day", "provisional": " (provisional)",
        "calendar_header": "year|source|court overrides",
        "calendar_extra": "+{rest} rest / +{work} working",
        "overrides_file": "court override file: {path}",
        "no_overrides_file": "no court override file configured (calendar_overrides)",
        "provisional_note": "Due dates in provisional years are marked provisional; add the official schedule to the override "
                            "file once published.",
        "user_added": "Added user {login} ({role})", "password_changed": "Password changed: {login}",
        "user_disabled": "Disabled user: {login}", "no_audit": "No audit entries",
        "audit_intact": "The audit log is intact: {count:,} entries, head {head} (keep it elsewhere to check against later)",
        "audit_broken": "The audit log was tampered with at entry {id} ({reason}); the {count:,} entries before it are intact",
        "wrote": "Wrote {path}", "snapshots": "Snapshots", "snapshot_values": "values",
        "phase_read": "Reading and checking", "phase_write": "Matching and writing", "phase_recompute": "Recomputing the affected cases …",
        "import_rejected": "{path}: {count} problem(s); nothing was imported (the database is unchanged)",
        "import_interrupted_after": "imported; the recompute was interrupted: the scheduler's next run recomputes these cases",
        "import_interrupted": "interrupted; nothing was imported (the database is unchanged)",
        "dry_run": "Dry run of {path}: the file is valid; this is what would change (nothing was written)",
        "imported": "Imported {path} in {seconds:.1f} s",
        "import_header": "sheet|read|inserted|updated|unchanged",
        "courts": "courts", "teams": "teams", "officers": "officers", "created": "  created {what}: {items}",
        "and_more": " and {count} more",
        "unchanged": "  nothing changed: the database already matches the file",
        "would_affect": "  {count:,} cases would be affected", "affected": "  {count:,} cases affected",
        "import_recompute": "  recompute: alerts opened {opened}, reopened {reopened}, resolved {resolved}, tier changes "
                            "{tier_changes}, nodes written {nodes_written}, due dates changed {dues_changed} in {seconds:.2f} s",
        "template_not_xlsx": "{path}: the template must be an .xlsx file", "file_exists": "{path} exists; use --force to overwrite it",
        "no_folder": "{path}: no such folder", "template_written": "Template written to {path} (required columns are marked * in red)",
        "problem_sheet": "", "problem_row": " row {row}",
        "file_rejected": "{problem}; nothing was imported (the database is unchanged)",
        "sheet_hidden": " (hidden)", "did_you_mean": " (did you mean {name}?)", "list_sep": ", ",
        "ignored_sheets": "  ignored (not an interchange sheet): {sheets}", "recognised_sheets": "  recognised sheet names: {names}",
    },
}


#: ``scheduler --status``: the lease, the jobs, the outbox
SCHEDULER = {
    "zh": {"lease": "调度器租约", "none": "无 (尚无调度器运行过)", "active": "当前调度器", "token": "令牌",
           "alive": "在线", "gone": "已不在线", "unknown": "无法从本机判断是否在线", "expired": "已过期",
           "renewed": "续约于", "expires": "到期", "standbys": "备用调度器", "no_standbys": "无",
           "standbys_unseen": "SQLite 上看不到", "jobs": "任务", "last_run": "上次运行", "next_due": "下次到期",
           "never": "从未", "now": "现在", "outbox": "通知发件箱",
           "recompute": "重算", "dispatch": "发送通知", "snapshot": "每日快照", "fund_sample": "案款抽查",
           "asset_inventory": "查扣物清点", "closed_review": "结案评查",
           "pending": "待发", "sending": "发送中", "sent": "已发", "failed": "失败",
           "ran_every_job": "已运行全部任务: {jobs}", "started": "{holder}: 调度器已启动, 数据库 {url}", "stopped": "调度器已停止"},
    "en": {"lease": "Scheduler lease", "none": "none (no scheduler has run yet)", "active": "active", "token": "token",
           "alive": "alive", "gone": "gone", "unknown": "cannot tell from here whether it is alive", "expired": "expired",
           "renewed": "renewed", "expires": "expires", "standbys": "standing by", "no_standbys": "none",
           "standbys_unseen": "not visible on SQLite", "jobs": "Jobs", "last_run": "last run", "next_due": "next due",
           "never": "never", "now": "now", "outbox": "Outbox",
           "recompute": "recompute", "dispatch": "notifications", "snapshot": "daily snapshot", "fund_sample": "fund sample",
           "asset_inventory": "asset inventory", "closed_review": "closed-case review",
           "pending": "pending", "sending": "sending", "sent": "sent", "failed": "failed",
           "ran_every_job": "ran every job: {jobs}", "started": "{holder}: scheduler started on {url}", "stopped": "scheduler stopped"},
}

# -- the screens' words ---------------------------------------------------------------------------

DRILL = {
    "zh": {
        "case_no": "案号", "debtor": "被执行人", "team": "团队", "officer": "承办人", "amount": "标的(元)", "node": "节点",
        "days": "超期天数/到期", "tier": "等级", "lock": "锁", "stage": "节点阶段", "text": "查找",
        "red": "红灯", "yellow": "黄灯", "blue": "蓝灯", "overdue": "超期",
        "scope_open": "全部未结案件", "scope_overdue": "有超期节点的案件", "scope_red": "红灯案件 (超3个月)", "scope_yellow": "黄灯案件 (超2个月)",
        "scope_blue": "蓝灯案件 (超1个月)", "scope_due_soon": "有临期节点的案件", "scope_all": "全部案件",
        "sort_days": "超期天数", "sort_amount": "标的", "sort_team": "团队", "sort_officer": "承办人", "sort_case_no": "案号", "sorted_by": "排序",
        "page_line": "第 {first}–{last} 条, 共 {total:,} 件 · 第 {page}/{pages} 页 (n 下一页, p 上一页)",
        "find_hint": "输入案号或当事人姓名的一部分, 回车筛选 (清空=不筛选)", "filters": "筛选条件",
        "done": "已完成", "active": "进行中", "due_soon": "临期", "not_started": "未开始", "stopped": "已停止",
        "provisional": "(临)", "locked": "程序锁死", "unlocked": "未锁", "lock_pending": "已申请解锁", "applicant": "申请执行人",
        "filed": "立案", "term": "执行期限", "closed": "已结案", "recovered": "已执行到位",
        "card": "三明确", "limit": "时限", "action": "动作", "materials": "材料", "started": "开始", "completed": "完成", "due": "期限",
        "alerts": "预警", "funds": "案款", "assets": "查扣财产", "accounts": "冻结账户", "leads": "财产线索", "history": "操作记录",
        "none": "无", "login_first": "请先登录 (l)", "logged_in": "已登录: {login} ({role})", "not_logged_in": "未登录 · 只读 · 姓名已遮蔽",
        "no_alert": "该节点没有预警", "saved": "已保存", "response": "应对", "status": "状态",
        "open": "待处理", "acknowledged": "已认领", "silenced": "已静默", "resolved": "已解除",
    },
    "en": {
        "case_no": "Case", "debtor": "Debtor", "team": "Team", "officer": "Officer", "amount": "Amount", "node": "Node",
        "days": "Days / due", "tier": "Tier", "lock": "Lock", "stage": "Node stage", "text": "Find",
        "red": "red", "yellow": "yellow", "blue": "blue", "overdue": "overdue",
        "scope_open": "Open cases", "scope_overdue": "Cases with an overdue node", "scope_red": "Red cases (> 3 months)",
        "scope_yellow": "Yellow cases (> 2 months)", "scope_blue": "Blue cases (> 1 month)", "scope_due_soon": "Cases with a node due soon",
        "scope_all": "All cases",
        "sort_days": "days overdue", "sort_amount": "amount", "sort_team": "team", "sort_officer": "officer", "sort_case_no": "case no.",
        "sorted_by": "sorted by",
        "page_line": "{first}–{last} of {total:,} · page {page}/{pages} (n next, p previous)",
        "find_hint": "Part of a case number or party name, Enter filters (empty = no filter)", "filters": "Filters",
        "done": "done", "active": "active", "due_soon": "due soon", "not_started": "not started", "stopped": "stopped",
        "provisional": "(prov.)", "locked": "locked", "unlocked": "not locked", "lock_pending": "unlock requested", "applicant": "Applicant",
        "filed": "Filed", "term": "Term due", "closed": "Closed", "recovered": "Recovered",
        "card": "Node card", "limit": "Limit", "action": "Action", "materials": "Materials", "started": "Started", "completed": "Completed",
        "due": "Due", "alerts": "Alerts", "funds": "Funds", "assets": "Seized assets", "accounts": "Frozen accounts", "leads": "Leads",
        "history": "History", "none": "none", "login_first": "Log in first (l)", "logged_in": "Logged in: {login} ({role})",
        "not_logged_in": "Not logged in · read only · names masked", "no_alert": "No alert on this node", "saved": "Saved",
        "response": "Response", "status": "Status",
        "open": "open", "acknowledged": "acknowledged", "silenced": "silenced", "resolved": "resolved",
    },
}
WALL = {
    "zh": {
        "title": "执行指挥中心", "refreshed": "数据刷新", "never": "尚未读取", "db_ok": "数据库已连接", "db_down": "数据库断开",
        "stale": "数据库无法访问, 以下为 {at} 的数据 (自动重连中): {error}",
        "stale_empty": "数据库无法访问, 尚无数据 (自动重连中): {error}", "paused": "已暂停滚动",
        "new_cases_today": "今日新收案件数", "undisbursed": "剩余未发放案款", "due_soon_nodes": "临期节点预警", "overdue_nodes": "超期节点",
        "funds_3_7": "3+7 超期案款", "funds_30": "超30天未发放(双零)", "freezes": "续冻临期账户", "team_line": "{team}: 超期 {overdue} 红 {red}",
        "red": "红灯", "yellow": "黄灯", "blue": "蓝灯",
        "red_rule": "超3个月 · 约谈+专项评查", "yellow_rule": "超2个月 · 当面汇报", "blue_rule": "超1个月 · 电子说明",
        "soon": "临期节点", "funds": "案款 (3+7 / 双零)", "teams": "团队看板",
        "case_no": "案号", "debtor": "被执行人", "team": "团队", "officer": "承办人", "days": "超期天数", "node": "节点", "response": "应对",
        "due": "到期", "amount": "金额(元)", "waiting": "天数", "open": "未结", "overdue": "超期节点",
        "red_short": "红", "yellow_short": "黄", "blue_short": "蓝", "none": "无", "cases": "件", "yuan": "元", "items": "笔",
        "provisional": "(临)", "no_alert": "待重算",
        "help": "大屏无需操作, 自动刷新与翻页。\n\np  暂停/继续滚动\nr  立即刷新\nq  退出\n?  本帮助 (Esc 关闭)",
    },
    "en": {
        "title": "Enforcement Command Centre", "refreshed": "refreshed", "never": "not yet", "db_ok": "database connected",
        "db_down": "database down", "stale": "Database unreachable: figures as of {at} (reconnecting): {error}",
        "stale_empty": "Database unreachable, no figures yet (reconnecting): {error}", "paused": "scrolling paused",
        "new_cases_today": "New cases today", "undisbursed": "Undisbursed funds", "due_soon_nodes": "Nodes due soon", "overdue_nodes": "Overdue nodes",
        "funds_3_7": "3+7 overdue funds", "funds_30": "Undisbursed > 30 days", "freezes": "Freezes expiring", "team_line": "{team}: overdue {overdue} red {red}",
        "red": "Red", "yellow": "Yellow", "blue": "Blue",
        "red_rule": "> 3 months · interview + review", "yellow_rule": "> 2 months · in-person report",
        "blue_rule": "> 1 month · written explanation",
        "soon": "Due soon", "funds": "Funds (3+7 / 30 days)", "teams": "Teams",
        "case_no": "Case", "debtor": "Debtor", "team": "Team", "officer": "Officer", "days": "Days", "node": "Node", "response": "Response",
        "due": "Due", "amount": "Amount", "waiting": "Days", "open": "Open", "overdue": "Overdue",
        "red_short": "R", "yellow_short": "Y", "blue_short": "B", "none": "none", "cases": "cases", "yuan": "yuan", "items": "funds",
        "provisional": "(prov.)", "no_alert": "pending",
        "help": "The wall needs no keys: it refreshes and pages by itself.\n\np  pause / resume scrolling\nr  refresh now\nq  quit\n?  this help (Esc closes)",
    },
}
OVERVIEW = {
    "zh": {
        "open_cases": "未结/全部案件", "new_cases_today": "今日新收案件数",
        "undisbursed": "剩余未发放案款", "open_nodes": "进行中节点", "due_soon_nodes": "临期节点预警", "overdue_nodes": "超期节点",
        "red": "红灯 超3个月", "yellow": "黄灯 超2个月", "blue": "蓝灯 超1个月",
        "loading": "正在读取数据库…", "as_of": "数据时间", "error": "无法读取数据库",
        "unit_cases": "件", "unit_nodes": "个", "unit_yuan": "元",
        "keys": "数字键或方向键+回车: 打开案件列表 · ctrl+p 查找案件 · l 登录",
    },
    "en": {
        "open_cases": "Open / all cases", "new_cases_today": "New cases today",
        "undisbursed": "Undisbursed funds", "open_nodes": "Open nodes", "due_soon_nodes": "Nodes due soon", "overdue_nodes": "Overdue nodes",
        "red": "Red  > 3 months", "yellow": "Yellow > 2 months", "blue": "Blue > 1 month",
        "loading": "Reading the database…", "as_of": "As of", "error": "Cannot read the database",
        "unit_cases": "cases", "unit_nodes": "nodes", "unit_yuan": "yuan",
        "keys": "digit or arrows + Enter: open the case list · ctrl+p find a case · l log in",
    },
}
BRIEF = {
    "zh": {"decision_columns": "案号|节点|承办人|应对", "title": "晨会简报", "period": {"year": "本年", "month": "本月", "days30": "近30天"}, "at": "数据时点",
           "loading": "正在计算…", "since": "昨日以来", "indicator": "指标", "value": "当前值", "target": "目标",
           "day": "前一日", "week": "前一周", "teams": "团队对比 · 按{key}排序 (s 切换)", "team": "团队", "decisions": "待决定: 红灯应对与解锁申请", "unlock": "申请解锁", "locked": "锁死",
           "none": "无", "charts": {"overdue": "超期节点与红黄蓝灯", "funds": "剩余未发放案款(元)",
                                    "disbursement": "案款平均发放周期(天)", "teams": "各团队超期节点"},
           "no_trend": "尚无快照: 运行 command-center snapshot --backfill 90", "days": "天", "error": "无法读取数据库"},
    "en": {"decision_columns": "Case|Node|Officer|Response", "title": "Morning brief", "period": {"year": "year to date", "month": "month to date", "days30": "last 30 days"},
           "at": "as of", "loading": "Computing…", "since": "Since yesterday", "indicator": "Indicator", "value": "Now",
           "target": "Target", "day": "Day before", "week": "Week before", "teams": "Teams · by {key} (s: sort)", "team": "Team",
           "decisions": "Waiting for a decision: red responses, unlocks", "unlock": "unlock asked", "locked": "locked", "none": "none",
           "charts": {"overdue": "Overdue nodes and lights", "funds": "Undisbursed funds (yuan)",
                      "disbursement": "Mean days to disburse", "teams": "Overdue nodes per team"},
           "no_trend": "No snapshots yet: run command-center snapshot --backfill 90", "days": "days",
           "error": "Cannot read the database"},
}
# the teams table's narrow headers (the sorted column's full name is in the box's title)
BRIEF_TEAM_HEADERS = {
    "zh": ("首执结案", "执毕率", "期限内", "用时(天)", "红灯", "超期", "双零"),
    "en": ("1st", "Full", "In term", "Days", "Red", "Overdue", "2-zero"),
}
BRIEF_CHANGES = {
    "zh": {"new_cases": "新收案件", "closed": "结案", "newly_overdue": "新增超期节点", "resolved": "预警解除", "new_red": "新增红灯"},
    "en": {"new_cases": "new cases", "closed": "closed", "newly_overdue": "newly overdue nodes",
                        "resolved": "alerts resolved", "new_red": "new red"},
}
#: whether an indicator meets its target
MEETS = {"zh": {True: "达标", False: "未达标", None: ""}, "en": {True: "met", False: "missed", None: ""}}
FORMS = {
    "zh": {"ok": "确定", "cancel": "取消 (Esc)", "required": "必填: {field}", "login": "登录", "login_title": "执行指挥中心 · 登录",
           "login_id": "登录名 (承办人编号)", "password": "密码", "skip": "只读浏览 (Esc, 姓名遮蔽)", "checking": "正在核验…",
           "yes": "是 (y)", "no": "否 (n)", "any": "不限"},
    "en": {"ok": "OK", "cancel": "Cancel (Esc)", "required": "Required: {field}", "login": "Log in", "login_title": "Command centre · Log in",
           "login_id": "Login (officer id)", "password": "Password", "skip": "Read only (Esc, names masked)", "checking": "Checking…",
           "yes": "Yes (y)", "no": "No (n)", "any": "any"},
}
CASE_ACTIONS = {
    "zh": {"ack": "认领/已知悉这条预警?", "explanation": "提交电子说明", "report": "记录当面汇报", "interview": "记录约谈并启动专项评查",
           "note": "说明内容", "report_date": "汇报日期 (YYYY-MM-DD)", "reporter": "汇报人", "report_to": "向谁汇报", "report_note": "汇报内容",
           "interview_date": "约谈日期 (YYYY-MM-DD)", "interviewee": "约谈对象", "review_scope": "专项评查事项", "review": "审核应对",
           "decision": "决定", "accept": "通过", "reject": "退回", "review_note": "意见", "silence": "静默预警 (仅院领导)",
           "until": "静默至 (YYYY-MM-DD)", "reason": "理由", "escalate": "上报院领导", "escalate_note": "需要领导决定的事项",
           "reassign": "改派案件", "unlock": "解除程序锁死", "request_unlock": "申请解锁", "reject_unlock": "驳回解锁申请",
           "unlock_or_reject": "同意解锁或驳回", "not_locked": "该案未被锁死", "no_response": "该预警无需应对或已提交",
           "no_review": "没有待审核的应对", "bad_date": "日期格式应为 2026-11-20", "supervise": "临时督办", "description": "督办事项",
           "due_date": "办理期限 (YYYY-MM-DD)", "assignee": "承办人", "created": "交办", "complete": "督办事项办结",
           "not_item": "请先在时间线上选中一条临时督办 (督办)",
           "done": {"ack": "已认领", "response": "应对已提交", "review": "审核已记录", "silence": "已静默", "escalate": "已上报 {n} 位院领导",
                    "reassign": "已改派", "unlock": "已解锁", "request_unlock": "已申请解锁", "reject_unlock": "已驳回解锁申请",
                    "supervise": "已创建临时督办 (下次重算生成预警)", "complete": "督办事项已办结"}},
    "en": {"ack": "Acknowledge this alert?", "explanation": "Submit the written explanation", "report": "Record the in-person report",
           "interview": "Record the interview and open the special review", "note": "Explanation", "report_date": "Report date (YYYY-MM-DD)",
           "reporter": "Reported by", "report_to": "Reported to", "report_note": "What was reported", "interview_date": "Interview date (YYYY-MM-DD)",
           "interviewee": "Interviewed", "review_scope": "Scope of the special review", "review": "Review the response", "decision": "Decision",
           "accept": "accept", "reject": "reject", "review_note": "Comment", "silence": "Silence the alert (chief only)",
           "until": "Silence until (YYYY-MM-DD)", "reason": "Reason", "escalate": "Escalate to the chief", "escalate_note": "What the chief should decide",
           "reassign": "Reassign the case", "unlock": "Unlock the case", "request_unlock": "Ask for the unlock", "reject_unlock": "Reject the unlock request",
           "unlock_or_reject": "Unlock or reject", "not_locked": "The case is not locked", "no_response": "No response due, or already submitted",
           "no_review": "No response waiting for review", "bad_date": "A date looks like 2026-11-20", "supervise": "Ad-hoc supervision",
           "description": "What is to be done", "due_date": "Due date (YYYY-MM-DD)", "assignee": "Assignee", "created": "Created",
           "complete": "Complete the supervision item", "not_item": "Select an ad-hoc item (Ad hoc) in the timeline first",
           "done": {"ack": "Acknowledged", "response": "Response submitted", "review": "Review recorded", "silence": "Silenced",
                    "escalate": "Escalated to {n} chiefs", "reassign": "Reassigned", "unlock": "Unlocked", "request_unlock": "Unlock requested",
                    "reject_unlock": "Unlock request rejected", "supervise": "Supervision item created (alerted from the next recompute)",
                    "complete": "Supervision item completed"}},
}
APP_TITLES = {"zh": "执行指挥中心", "en": "Enforcement Command Centre"}
APP_LOGGED_IN = {"zh": "已登录 {login} ({role})", "en": "logged in as {login} ({role})"}


def say(lang: str, key: str, **values) -> str:
    """The command line's sentence ``key`` in ``lang``, with ``values`` filled in."""
    return CLI[lang][key].format(**values)


def columns(lang: str, key: str) -> list[str]:
    """A table header of the command line (its column titles, ``|``-separated in :data:`CLI`)."""
    return CLI[lang][key].split("|")
