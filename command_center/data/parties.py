"""Parties (申请执行人 / 被执行人): telling an organisation from a person, masking their names
where no login may see them, and the name a list shows for a case.  How two parties are
matched as one (related cases) is :mod:`.names`."""

from __future__ import annotations

from sqlalchemy import select

from command_center.data.tables import PARTIES

ORG_MARKS = (
    "公司",
    "企业",
    "厂",
    "银行",
    "合作社",
    "中心",
    "集团",
    "商行",
    "店",
    "局",
    "委员会",
    "学校",
    "医院",
    "协会",
    "经营部",
)


def is_organisation(name: str) -> bool:
    """赤峰鑫源商贸有限公司 is an organisation; 张三丰 is a person."""
    return any(mark in name for mark in ORG_MARKS)


def mask_name(name: str | None) -> str:
    """张三丰 → 张**; an organisation keeps its first and last two characters (赤峰****公司)."""
    if not name:
        return ""
    if is_organisation(name) and len(name) > 4:
        return name[:2] + "*" * (len(name) - 4) + name[-2:]
    return name[0] + "*" * (len(name) - 1)


def mask_id_number(number: str | None) -> str:
    """150425198001011234 → 150***********1234 (region kept for nothing more than a glance)."""
    if not number:
        return ""
    return number[:3] + "*" * max(len(number) - 7, 0) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """13800000001 → 138****0001; 0476-5123456 → 047*****3456."""
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:]


def first_debtor(case_id):
    """The case's first debtor's name (a scalar subquery): the name a list shows for a case."""
    return (
        select(PARTIES.c.name)
        .where(PARTIES.c.case_id == case_id, PARTIES.c.role == "debtor")
        .order_by(PARTIES.c.position)
        .limit(1)
        .scalar_subquery()
    )
