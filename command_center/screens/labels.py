"""The drill-down's labels (Chinese, with English), and the masking rule for personal names."""

from __future__ import annotations

import re

from command_center.data.access import PERMISSIONS, Actor, NotAllowed, sees_names
from command_center.data.parties import mask_name
from command_center.labels import DRILL as LABELS
from command_center.labels import PERMISSION_WORDS, REFUSAL_VALUES_ZH, REFUSALS_ZH, ROLES, WALL
from command_center.screens.work import first_line

LIGHT_STYLE = {
    "red": "bold white on red",
    "yellow": "bold black on yellow",
    "blue": "bold white on blue",
    "overdue": "bold red",
}
STATE_STYLE = {
    "done": "green",
    "active": "",
    "due_soon": "bold yellow",
    "overdue": "bold red",
    "not_started": "dim",
    "stopped": "dim strike",
}


def label(lang: str, key: str) -> str:
    return LABELS[lang].get(key, key)


def names_visible(app) -> bool:
    """Personal names are shown in full only to a logged-in officer, chief or admin."""
    return sees_names(getattr(app, "actor", None))


def courts_of(app) -> frozenset[int] | None:
    """The ids of the courts the screens show (``--court``, the court picker, the user's court
    code; None: every court).  Call it from a worker thread: it may read the courts table."""
    courts = getattr(app, "courts", None)
    return courts() if callable(courts) else None


def scope_title(lang: str, code: str | None, names: list[str], fallback: str) -> str:
    """What the titles call the courts a screen shows (``names``: theirs): the court's name for
    one court, ``内04 辖区 2 个法院`` for a code of several, ``全部 3 个法院`` for every court of
    several, ``fallback`` (the setting ``court_name``) for none."""
    if len(names) == 1 and names[0]:
        return names[0]
    if not names:
        return fallback
    words = WALL[lang]
    if code:
        return words["scope_title"].format(code=code, n=len(names))
    return words["every_court_title"].format(n=len(names))


def shown_name(name: str, visible: bool) -> str:
    return name if visible else mask_name(name)


def may_not(lang: str, login: str, role: str | None, action: str) -> str:
    """Why ``login`` may not do ``action``, in the screen's language."""
    words = PERMISSION_WORDS[lang]
    if role is None:
        return words["inactive"].format(login=login, what=words[action])
    roles = words["or"].join(ROLES[lang].get(r, r) for r in PERMISSIONS[action][0])
    return words["may_not"].format(login=login, role=ROLES[lang].get(role, role), what=words[action], roles=roles)


_REFUSALS = [(re.compile(pattern), words) for pattern, words in REFUSALS_ZH]


def refusal(lang: str, exc: BaseException) -> str:
    """A refusal of the data layer as the user is shown it: a role's refusal in the screen's language."""
    if isinstance(exc, NotAllowed) and exc.action and exc.case_no:
        words = PERMISSION_WORDS[lang]
        key = {"court": "not_their_court", "higher": "higher_court"}.get(exc.why, "not_theirs")
        return words[key].format(login=exc.login, what=words[exc.action], case_no=exc.case_no)
    if isinstance(exc, NotAllowed) and exc.action:
        return may_not(lang, exc.login, exc.role, exc.action)
    return refusal_words(lang, first_line(exc))


def refusal_words(lang: str, text: str) -> str:
    """A refusal's English sentence in ``lang`` (:data:`~command_center.labels.REFUSALS_ZH`);
    as it is if no pattern is its."""
    if lang != "zh":
        return text
    for pattern, words in _REFUSALS:
        if found := pattern.fullmatch(text):
            return words.format(**{k: REFUSAL_VALUES_ZH.get(k, {}).get(v, v) for k, v in found.groupdict().items()})
    return text


def refuse_unless(lang: str, who: Actor, action: str) -> str | None:
    """The refusal to show before opening the form of ``action``, or None if ``who`` may."""
    return None if who.role in PERMISSIONS[action][0] else may_not(lang, who.login, who.role, action)


def duty_line(lang: str, duty, visible: bool) -> str:
    """``值班 o003 张** · 休息日 · 换班``: who is on duty today (login, and the name masked until a
    login shows it; never a phone), the kind of day, a swap or a hand-over."""
    from command_center.labels import DUTY

    t = DUTY[lang]
    if duty is None:
        return f"{t['on_duty']} {t['nobody']}"
    parts = [f"{t['on_duty']} {duty.login} {shown_name(duty.name, visible)}"]
    if duty.rest_day:
        parts.append(t["rest_day"])
    elif duty.reason == "adjusted_workday":
        parts.append(t["adjusted_workday"])
    if duty.swapped:
        parts.append(t["swapped"])
    if duty.handed_over_from:
        parts.append(t["handed_over"].format(login=duty.handed_over_from[0], to=duty.login))
    return " · ".join(parts)
