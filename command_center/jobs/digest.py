"""The text of one SMS for a recipient's messages of one dispatch: a digest, never a flood.

A recipient with one message gets its own text (``labels.MESSAGES``) when it fits in one SMS;
otherwise the digest counts the cases by kind, worst first, and names as many of the worst as
fit: ``【执行指挥中心】新增红灯12件、临期3件: （2026）执9001号 N42、（2026）执12号 N15 等``.  Every
text is at most :data:`SMS_CHARS` characters: one SMS segment of 70 Chinese characters (UCS-2),
so a gateway never splits it.  The 案号 in a digest drops the court code (the recipient knows
their court).
"""

from __future__ import annotations

from collections.abc import Sequence

from command_center.data.caseno import court_of, short_case_no
from command_center.data.catalogue import Catalogue
from command_center.labels import DIGEST, MESSAGES, TIERS

#: one SMS segment of Chinese text (UCS-2): 70 characters
SMS_CHARS = 70
#: the kinds of a digest, worst first
ORDER = ("escalated", "red", "yellow", "blue", "overdue", "due_soon", "node_completed", "other")


def category(kind: str, payload: dict) -> str:
    """Which count of a digest a message belongs to."""
    if kind == "red_case":
        return "red"
    if kind == "auto_escalated":
        return "escalated"
    if kind == "tier_changed":
        return payload.get("tier") or "overdue"
    if kind in ORDER:
        return kind
    return "other"


def node_name(payload: dict, catalogue: Catalogue) -> str | None:
    """The name of the message's node in its case's court's catalogue (None: not a node of it)."""
    code = payload.get("node_code") or ""
    own = catalogue.for_court(court_of(payload.get("case_no") or ""))
    return own[code].name if code in own else None


def render(kind: str, payload: dict, catalogue: Catalogue) -> str:
    """One message's own text."""
    code = payload.get("node_code") or ""
    name = node_name(payload, catalogue)
    node = f"{code} {name}" if name is not None else code
    subject = f" ({payload['subject_id']})" if payload.get("subject_id") else ""
    template = MESSAGES.get(kind, MESSAGES["other"])
    return template.format(
        case_no=payload.get("case_no", ""),
        node=node,
        subject=subject,
        due_date=payload.get("due_date") or "",
        tier=TIERS["zh"].get(payload.get("tier") or "", ""),
        by=payload.get("by", ""),
        note=payload.get("note", ""),
    )


def digest_text(messages: Sequence[tuple[str, dict]], catalogue: Catalogue) -> str:
    """The SMS for ``messages`` ((kind, payload) pairs) of one recipient, at most :data:`SMS_CHARS`."""
    if len(messages) == 1:
        text = render(*messages[0], catalogue)
        if len(text) <= SMS_CHARS:
            return text
    ranked = sorted(
        messages,
        key=lambda m: (ORDER.index(category(*m)), m[1].get("due_date") or "", m[1].get("case_no") or ""),
    )
    cases: dict[str, set[str]] = {}
    for kind, payload in ranked:
        cases.setdefault(category(kind, payload), set()).add(payload.get("case_no") or "")
    applicant = set(cases) == {"node_completed"}
    head = DIGEST["applicant_head" if applicant else "head"]
    counts = DIGEST["sep"].join(
        DIGEST["count"].format(what=DIGEST[what], n=len(found)) for what, found in cases.items()
    )
    text = head if applicant else head + counts
    distinct = list(dict.fromkeys((p.get("case_no") or "", p.get("node_code") or "") for _, p in ranked))
    examples: list[str] = []
    for i, (case_no, code) in enumerate(distinct):
        # an applicant knows the node by its name, an officer by its code
        name = node_name({"case_no": case_no, "node_code": code}, catalogue) if applicant else None
        node = name if name is not None else code
        example = f"{short_case_no(case_no)} {node}".strip()
        more = DIGEST["more"] if i + 1 < len(distinct) else ""
        if len(text + DIGEST["colon"] + DIGEST["sep"].join([*examples, example]) + more) > SMS_CHARS:
            break
        examples.append(example)
    if examples:
        text += (
            DIGEST["colon"] + DIGEST["sep"].join(examples) + (DIGEST["more"] if len(examples) < len(distinct) else "")
        )
    return text[:SMS_CHARS]
