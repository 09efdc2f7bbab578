"""Parties (申请执行人 / 被执行人): telling an organisation from a person, masking their names
where no login may see them, and the name a list shows for a case.  How two parties are
matched as one (related cases) is :mod:`.names`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, true, update

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, require, require_case
from command_center.data.caseno import normalise_case_no
from command_center.data.engine import Database
from command_center.data.names import name_key
from command_center.data.tables import CASES, PARTIES
from command_center.labels import PARTY

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


class PartyRefused(ActionRefused):
    """A refusal of ``party opt-out`` / ``opt-in``: ``key`` names its words (labels.PARTY)."""

    def __init__(self, key: str, message: str, **values):
        super().__init__(message)
        self.key, self.values = key, values

    def say(self, lang: str) -> str:
        return PARTY["en" if lang == "en" else "zh"][self.key].format(**self.values)


@dataclass(frozen=True)
class OptOut:
    """What ``party opt-out`` / ``opt-in`` did: the case, the applicants it matched, how many changed."""

    case_no: str
    parties: int
    changed: int


def set_notify_opt_out(db: Database, who: Actor, case_no: str, name: str, opt_out: bool, now: datetime) -> OptOut:
    """The applicant ``name`` of case ``case_no`` gets no progress messages (``opt_out``) or gets
    them again: every applicant of the case by that name (matched as related cases match names,
    spaces and full-width forms aside), in one audited transaction.  Refused, changing nothing,
    for an unknown case or applicant, or a user whose role may not."""
    case_no = normalise_case_no(case_no.strip())
    key = name_key(name.strip()) if name.strip() else ""
    with db.engine.begin() as conn:
        require(conn, who, "notify_opt_out")
        case_id = conn.execute(select(CASES.c.id).where(CASES.c.case_no == case_no)).scalar_one_or_none()
        if case_id is None:
            raise PartyRefused("no_case", f"no case {case_no}", case_no=case_no)
        # whoever the applicant reaches records it, of any team, but of a court theirs covers
        require_case(conn, who, "notify_opt_out", case_id, assigned=true())
        found = conn.execute(
            select(PARTIES.c.id, PARTIES.c.position, PARTIES.c.notify_opt_out)
            .where(PARTIES.c.case_id == case_id, PARTIES.c.role == "applicant", PARTIES.c.name_key == key)
            .order_by(PARTIES.c.position)
        ).all()
        if not found or not key:
            raise PartyRefused(
                "no_applicant", f"case {case_no} has no applicant named {name.strip()!r}", case_no=case_no, name=name
            )
        changed = [p for p in found if p.notify_opt_out != opt_out]
        if changed:
            conn.execute(
                update(PARTIES).where(PARTIES.c.id.in_([p.id for p in changed])).values(notify_opt_out=opt_out)
            )
        for party in changed:
            audit.record(
                conn,
                now,
                who.login,
                "party.opted_out" if opt_out else "party.opted_in",
                "party",
                str(party.id),
                case_id,
                {"role": "applicant", "position": party.position},
            )
    return OptOut(case_no, len(found), len(changed))
