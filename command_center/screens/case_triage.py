"""The case screen's triage suggestion (on the N06 card) and the case's bundle of related cases."""

from __future__ import annotations

from rich.text import Text

from command_center.data.related import Bundle
from command_center.data.triage import TriageRow
from command_center.labels import RELATED, TRACKS, TRIAGE, triage_reason
from command_center.screens.labels import shown_name

BUNDLE_ROWS = 20  # cases listed; the rest are counted


def triage_text(lang: str, row: TriageRow | None, *, may_apply: bool = False, closed: bool = False) -> Text:
    """The suggestion and its reasons, the team it goes to, and whether the case agrees (with
    the key that applies it, for a chief: the footer has no room for it at 120 columns)."""
    t, words = TRIAGE[lang], TRACKS[lang]
    text = Text()
    if row is None:
        text.append((t["closed"] if closed else t["not_due"]) + "\n", style="dim")
        return text
    text.append(t["suggestion"].format(track=words[row.track]), style="bold")
    agree = t["agrees"] if row.agrees else t["disagrees"]
    current = words[row.current] if row.current else (row.current_word or t["none"])
    text.append(f"  ({current} · {agree})\n", style="green" if row.agrees else "bold yellow")
    for reason in row.reasons:
        text.append(f"  · {triage_reason(lang, reason)}\n")
    if row.agrees:  # its team already handles the track: nowhere to go
        return text
    team = row.suggested_team or t["no_team"].format(track=words[row.track])
    text.append(t["goes_to"].format(team=team))
    if may_apply:
        text.append(f"  (y {t['apply']})", style="bold")
    text.append("\n")
    return text


def _names(lang: str, names: tuple[str, ...], visible: bool) -> str:
    """Two names, and how many in all (张三、李四等9人) or more (+7 more): a case with nine
    debtors takes one line."""
    shown = RELATED[lang]["and"].join(shown_name(n, visible) for n in names[:2])
    more = RELATED[lang]["more"].format(n=len(names) - 2, total=len(names))
    return shown + (more if len(names) > 2 else "")


def bundle_text(lang: str, bundle: Bundle | None, case_id: int, visible: bool, *, may_hand: bool = False) -> Text:
    """The case's bundle: its cases (this one marked), what ties them, and the offset's totals."""
    r = RELATED[lang]
    text = Text()
    count = len(bundle.cases) if bundle else 0
    text.append(f"\n{r['title']} ({count})", style="bold underline")
    if bundle is not None and may_hand:
        text.append(f"  (b {r['hand']})", style="bold")
    text.append("\n")
    if bundle is None:
        text.append(f"  {r['alone']}\n", style="dim")
        return text
    for c in bundle.cases[:BUNDLE_ROWS]:
        mark = "▶ " if c.case_id == case_id else "  "
        debtors, applicants = _names(lang, c.debtors, visible), _names(lang, c.applicants, visible)
        text.append(f"{mark}{c.case_no}  {c.team or '—'}  {applicants} → {debtors}  {c.owed:,.2f}\n")
    if count > BUNDLE_ROWS:
        text.append(f"  … +{count - BUNDLE_ROWS}\n", style="dim")
    for tie in bundle.ties:
        names = " ⇄ ".join(shown_name(n, visible) for n in tie.parties)
        text.append("  " + r[tie.kind].format(parties=names, count=len(tie.case_ids)) + "\n", style="dim")
    if bundle.net_total is not None:
        text.append("  " + r["net"].format(net=f"{bundle.net_total:,.2f}", gross=f"{bundle.gross_total:,.2f}") + "\n")
    return text
