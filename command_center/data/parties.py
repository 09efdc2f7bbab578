"""Parties (申请执行人 / 被执行人): telling an organisation from a person by its name."""

from __future__ import annotations

ORG_MARKS = ("公司", "企业", "厂", "银行", "合作社", "中心", "集团", "商行", "店", "局", "委员会", "学校", "医院", "协会", "经营部")


def is_organisation(name: str) -> bool:
    """赤峰鑫源商贸有限公司 is an organisation; 张三丰 is a person."""
    return any(mark in name for mark in ORG_MARKS)
