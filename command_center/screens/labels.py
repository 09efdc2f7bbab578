"""The drill-down's labels (Chinese, with English), and the masking rule for personal names."""

from __future__ import annotations

from command_center.data.parties import mask_name

LIGHT_STYLE = {"red": "bold white on red", "yellow": "bold black on yellow", "blue": "bold white on blue", "overdue": "bold red"}
STATE_STYLE = {"done": "green", "active": "", "due_soon": "bold yellow", "overdue": "bold red", "not_started": "dim", "stopped": "dim strike"}

LABELS = {
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


def label(lang: str, key: str) -> str:
    return LABELS[lang].get(key, key)


def names_visible(app) -> bool:
    """Personal names are shown in full only to a logged-in officer, chief or admin."""
    actor = getattr(app, "actor", None)
    return actor is not None and actor.role != "wall"


def shown_name(name: str, visible: bool) -> str:
    return name if visible else mask_name(name)
