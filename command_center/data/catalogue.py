"""The node catalogue: every deadline is an instance of one of these "三明确" cards.

The reference catalogue of shared/DOMAIN.md §4 ships as ``catalogue.csv`` beside this
module.  A court may point the config at its own file with the same columns; a broken file
is rejected with every line and field at fault.  In a database of several courts each may have
its own (``[courts."CODE"] catalogue``): the default catalogue carries them
(:attr:`Catalogue.courts`, :meth:`Catalogue.for_court`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

from command_center.data.workcal import Unit, Window
from command_center.labels import STAGES_EN, TRIGGERS, UNITS

ASSET_KINDS = ("车辆", "不动产", "动产", "股权", "其他")
CLOSING_MODES = ("执行完毕", "终结本次执行程序", "终结执行", "不予执行", "驳回申请", "销案")
TERMINATED = "终结本次执行程序"  # 终本
#: The case types of DOMAIN.md §8 by their 案号 type word (执 first enforcement, 执恢 resumed,
#: 执保 preservation, 执异 objection, 执复 review, 执监 supervision).
CASE_TYPES = ("执", "执恢", "执保", "执异", "执复", "执监")
#: What a node without a ``case_types`` value applies to in a court file written before the
#: column existed (a code the reference does not have): the enforcement case types.
ENFORCEMENT_TYPES = ("执", "执恢")

COLUMNS = (
    "code",
    "stage",
    "name",
    "name_en",
    "trigger",
    "limit",
    "unit",
    "due_soon",
    "repeat",
    "action",
    "action_en",
    "materials",
    "materials_en",
    "notify_applicant",
    "case_types",
    "owner",
)
REQUIRED = ("code", "stage", "name", "trigger", "limit", "unit")

_CODE = re.compile(r"^N\d{2,3}$")
_LIST_SEPARATORS = re.compile(r"[、,，;；|]")


class CatalogueError(ValueError):
    """A catalogue file that cannot be used; ``problems`` lists each line and field."""

    def __init__(self, path: Path | str, problems: list[str], where: str = ""):
        self.path = str(path)
        self.problems = problems
        shown = "; ".join(problems[:5]) + (f"; … {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"node catalogue {path}{f' ({where})' if where else ''}: {shown}")

    def named_by(self, where: str) -> CatalogueError:
        """The same error, saying which setting named the file (``[courts."内0425"]``)."""
        return CatalogueError(self.path, self.problems, where)


class TriggerKind(StrEnum):
    EVENT = "event"
    FILING = "filing"
    AFTER = "after"
    FUND = "fund"
    ASSET = "asset"
    ACCOUNT = "account"
    LEAD = "lead"
    CLOSING = "closing"


#: Triggers that create one instance per subject (fund, asset, account, lead).
SUBJECT_TRIGGERS = frozenset({TriggerKind.FUND, TriggerKind.ASSET, TriggerKind.ACCOUNT, TriggerKind.LEAD})
#: Triggers whose subject can expire (a freeze, a seal): a node of unit ``expiry`` is due on that day.
EXPIRY_TRIGGERS = frozenset({TriggerKind.ACCOUNT, TriggerKind.ASSET})


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: TriggerKind
    after: str | None = None
    #: asset kinds for ``asset:…``, closing modes for ``closing:…``; empty means all.
    only: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Trigger:
        head, _, rest = (text or "").strip().partition(":")
        try:
            kind = TriggerKind(head.strip())
        except ValueError:
            raise ValueError(f"unknown trigger {text!r} (one of {', '.join(k.value for k in TriggerKind)})") from None
        values = tuple(v.strip() for v in _LIST_SEPARATORS.split(rest) if v.strip())
        if kind is TriggerKind.AFTER:
            if len(values) != 1 or not _CODE.match(values[0]):
                raise ValueError(f"{text!r}: after: needs one node code, e.g. after:N05")
            return cls(kind, after=values[0])
        if kind is TriggerKind.ASSET:
            unknown = [v for v in values if v not in ASSET_KINDS]
            if unknown:
                raise ValueError(f"{text!r}: unknown asset kind {unknown[0]!r} (one of {'、'.join(ASSET_KINDS)})")
        elif kind is TriggerKind.CLOSING:
            unknown = [v for v in values if v not in CLOSING_MODES]
            if unknown:
                raise ValueError(f"{text!r}: unknown closing mode {unknown[0]!r} (one of {'、'.join(CLOSING_MODES)})")
        elif values:
            raise ValueError(f"{text!r}: trigger {kind.value} takes no qualifier")
        return cls(kind, only=values)

    def label(self, lang: str = "zh") -> str:
        """When the clock starts, as the 三明确 card says it: 立案起, N05 完成起, 案款到账起 …"""
        words = TRIGGERS["en" if lang == "en" else "zh"]
        if self.kind is TriggerKind.AFTER:
            return words["after"].format(code=self.after)
        only = (words["only_sep"].join(self.only) + " ") if self.only else ""
        return words["from"].format(only=only, what=words[self.kind.value])

    def __str__(self) -> str:
        if self.kind is TriggerKind.AFTER:
            return f"after:{self.after}"
        return self.kind.value + (":" + ",".join(self.only) if self.only else "")


@dataclass(frozen=True, slots=True)
class NodeDef:
    """One "三明确" card: 时限 (limit + unit), 动作 (action), 材料 (materials)."""

    code: str
    stage: str
    name: str
    name_en: str
    trigger: Trigger
    limit: int
    unit: Unit
    due_soon: Window
    repeat: int
    action: str
    action_en: str
    materials: tuple[str, ...]
    line: int
    #: the case types this node applies to; empty: every type (DOMAIN.md §8)
    case_types: tuple[str, ...] = ()
    #: the materials in English (empty: a court's file without the column; the Chinese is shown)
    materials_en: tuple[str, ...] = ()
    #: who acts on it (DOMAIN.md §10): ``officer`` (承办人, the default), ``team_leader`` (团队长)
    #: or ``group:NAME``, a named group of users (账户管理员, 款物管理组 …, the court's own words)
    owner: str = "officer"
    #: whether the applicants hear of it when it completes (节点短信推送, DOMAIN.md §10): the
    #: reference says yes for the fund flow (N34–N38) and the main milestones
    notify_applicant: bool = False

    def applies_to(self, case_type: str) -> bool:
        return not self.case_types or case_type in self.case_types

    def label(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def stage_label(self, lang: str = "zh") -> str:
        return (
            STAGES_EN.get(self.stage, self.stage) if lang == "en" else self.stage
        )  # the catalogue's own words in Chinese

    def action_label(self, lang: str = "zh") -> str:
        return self.action_en if lang == "en" and self.action_en else self.action

    def materials_label(self, lang: str = "zh") -> str:
        if lang == "en" and self.materials_en:
            return "; ".join(self.materials_en)
        return "、".join(self.materials)

    def limit_label(self, lang: str = "zh") -> str:
        lang = "en" if lang == "en" else "zh"
        unit = UNITS[lang][self.unit.value]
        if self.unit is Unit.EXPIRY:
            return unit
        if lang == "zh":
            return f"{self.limit}{unit}"
        return f"{self.limit} {unit[:-1] if self.limit == 1 else unit}"

    def time_limit(self, lang: str = "zh") -> str:
        """The card's 时限: the limit and when its clock starts (立案起 3日, 3 days from filing)."""
        if self.unit is Unit.EXPIRY:
            return self.limit_label(lang)
        phrase = TRIGGERS["en" if lang == "en" else "zh"]["time_limit"]
        return phrase.format(trigger=self.trigger.label(lang), limit=self.limit_label(lang))


@dataclass(frozen=True)
class Catalogue:
    nodes: tuple[NodeDef, ...]
    path: str
    #: what loading the file assumed (an older file without ``case_types``): said once at start
    notes: tuple[str, ...] = ()
    #: the courts' own catalogues (``[courts."内0425"] catalogue = …``): (court code, its
    #: catalogue), the longest code first.  The default catalogue (the runtime's) carries them,
    #: so whatever is handed the catalogue finds each court's (:meth:`for_court`); empty when
    #: every court follows this one
    courts: tuple[tuple[str, Catalogue], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {node.code: node for node in self.nodes})
        object.__setattr__(self, "_alone", replace(self, courts=()) if self.courts else self)

    @property
    def alone(self) -> Catalogue:
        """This catalogue without the courts' own: what a court that has none follows."""
        return self._alone  # type: ignore[attr-defined]

    def with_courts(self, own: Mapping[str, Catalogue]) -> Catalogue:
        """This catalogue (the default) carrying ``own``, the catalogue of each court code that
        names one; a code whose file is this one's follows :attr:`alone`.  Itself, alone, when
        no court's catalogue differs from it."""
        if all(catalogue.path == self.path for catalogue in own.values()):
            return self.alone
        courts = tuple(
            (code, self.alone if catalogue.path == self.path else catalogue.alone)
            for code, catalogue in sorted(own.items(), key=lambda item: (-len(item[0]), item[0]))
        )
        return replace(self, courts=courts)

    def for_court(self, code: str | None) -> Catalogue:
        """The catalogue of the court of ``code`` (its 案号's code, 内0425): that of the longest
        code of :attr:`courts` it begins with, else the default (:attr:`alone`), as
        ``Settings.court_catalogue`` resolves the files."""
        for prefix, catalogue in self.courts:
            if code and code.startswith(prefix):
                return catalogue
        return self.alone

    def distinct(self) -> list[Catalogue]:
        """Every catalogue a court may follow, the default first, each once."""
        found = {self.path: self.alone}
        for _, catalogue in self.courts:
            found.setdefault(catalogue.path, catalogue)
        return list(found.values())

    def __getitem__(self, code: str) -> NodeDef:
        return self._by_code[code]  # type: ignore[attr-defined]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code  # type: ignore[attr-defined]

    def __iter__(self):
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def stages(self) -> list[str]:
        """The stages in order: this catalogue's, then any the courts' own add."""
        return list(dict.fromkeys(node.stage for catalogue in self.distinct() for node in catalogue.nodes))

    def followers(self, code: str) -> list[NodeDef]:
        """The nodes whose clock starts when ``code`` completes."""
        return [n for n in self.nodes if n.trigger.kind is TriggerKind.AFTER and n.trigger.after == code]

    def for_case_type(self, case_type: str) -> list[NodeDef]:
        """The nodes that apply to a case of ``case_type`` (执, 执恢, 执保, 执异, 执复, 执监)."""
        return [n for n in self.nodes if n.applies_to(case_type)]

    def type_groups(self) -> dict[tuple[str, ...], list[str]]:
        """Node codes by the case types they apply to (``()``: every type), for the SQL filters."""
        groups: dict[tuple[str, ...], list[str]] = {}
        for node in self.nodes:
            groups.setdefault(node.case_types, []).append(node.code)
        return groups

    def notified(self) -> list[str]:
        """The codes of the nodes whose completion the applicants hear of (``notify_applicant``)."""
        return [n.code for n in self.nodes if n.notify_applicant]

    def root_trigger(self, code: str) -> Trigger:
        """The trigger at the head of an ``after:`` chain (whose subject the chain inherits)."""
        node = self[code]
        while node.trigger.kind is TriggerKind.AFTER:
            node = self[node.trigger.after]  # validated: no cycles
        return node.trigger


DEFAULT_PATH = "command_center/data/catalogue.csv"


#: the words of a ``notify_applicant`` cell (empty: the reference's choice for its codes, else no)
YES_NO = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "是": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "否": False,
}


def _parse_row(row: dict[str, str], line: int, problems: list[str], unset: set[str] | None = None) -> NodeDef | None:
    """One card; a code whose ``notify_applicant`` is empty is added to ``unset`` (its default
    is the reference's, settled once the whole file is read)."""
    before = len(problems)

    def problem(field: str, reason: str) -> None:
        problems.append(f"line {line}, field {field}: {reason}")

    values = {key: (row.get(key) or "").strip() for key in COLUMNS}
    for key in REQUIRED:
        if not values[key]:
            problem(key, "is empty")
    if values["code"] and not _CODE.match(values["code"]):
        problem("code", f"{values['code']!r} is not a node code such as N07")
    trigger = unit = window = None
    limit = repeat = 0
    if values["trigger"]:
        try:
            trigger = Trigger.parse(values["trigger"])
        except ValueError as exc:
            problem("trigger", str(exc))
    if values["unit"]:
        try:
            unit = Unit(values["unit"])
        except ValueError:
            problem("unit", f"{values['unit']!r} is not one of {', '.join(u.value for u in Unit)}")
    if values["limit"]:
        try:
            limit = int(values["limit"])
            if limit < 0:
                raise ValueError
        except ValueError:
            problem("limit", f"{values['limit']!r} is not a whole number ≥ 0")
        else:
            if unit is not None and unit is not Unit.EXPIRY and limit < 1:
                problem("limit", f"a {unit.value} limit must be at least 1")
    if unit is Unit.EXPIRY and trigger is not None and trigger.kind not in EXPIRY_TRIGGERS:
        problem("unit", "expiry deadlines exist only for the account and asset triggers (freezes and seals)")
    case_types: tuple[str, ...] = ()
    if values["case_types"] and values["case_types"] != "*":
        case_types = tuple(dict.fromkeys(v.strip() for v in _LIST_SEPARATORS.split(values["case_types"]) if v.strip()))
        unknown = [v for v in case_types if v not in CASE_TYPES]
        if unknown:
            problem("case_types", f"unknown case type {unknown[0]!r} (one of {'、'.join(CASE_TYPES)}, or * for all)")
        elif set(case_types) == set(CASE_TYPES):
            case_types = ()
    owner = parse_owner(values["owner"], problem)
    notify = YES_NO.get(values["notify_applicant"].lower())
    if values["notify_applicant"] and notify is None:
        problem("notify_applicant", f"{values['notify_applicant']!r} is not yes or no (是 or 否)")
    elif notify is None and unset is not None:
        unset.add(values["code"])
    default_window = "6h" if unit is Unit.HOURS else "30d" if unit is Unit.EXPIRY else "2wd"
    try:
        window = Window.parse(values["due_soon"] or default_window)
    except ValueError as exc:
        problem("due_soon", str(exc))
    try:
        repeat = int(values["repeat"] or "1")
        if repeat < 1:
            raise ValueError
    except ValueError:
        problem("repeat", f"{values['repeat']!r} is not a whole number ≥ 1")
    else:
        if repeat > 1 and (trigger is None or trigger.kind is not TriggerKind.CLOSING):
            problem("repeat", "only closing nodes repeat")
    if len(problems) > before:
        return None
    return NodeDef(
        code=values["code"],
        stage=values["stage"],
        name=values["name"],
        name_en=values["name_en"],
        trigger=trigger,
        limit=limit,
        unit=unit,
        due_soon=window,
        repeat=repeat,
        action=values["action"],
        action_en=values["action_en"],
        materials=tuple(m.strip() for m in _LIST_SEPARATORS.split(values["materials"]) if m.strip()),
        materials_en=tuple(m.strip() for m in values["materials_en"].split(";") if m.strip()),
        line=line,
        case_types=case_types,
        owner=owner,
        notify_applicant=bool(notify),
    )


#: the ``owner`` words of a catalogue file for the case officer and the team leader (any other
#: word names a group of users)
OWNER_WORDS = {
    "": "officer",
    "承办人": "officer",
    "officer": "officer",
    "团队长": "team_leader",
    "team_leader": "team_leader",
}


def parse_owner(text: str, problem=None) -> str:
    """``officer``, ``team_leader`` or ``group:NAME`` for a catalogue's ``owner`` cell."""
    text = text.strip()
    if text in OWNER_WORDS:
        return OWNER_WORDS[text]
    name = text.removeprefix("group:").strip()
    if not name or len(name) > 50 or ":" in name:
        if problem is not None:
            problem("owner", f"{text!r} is not 承办人, 团队长 or a group's name (at most 50 characters, no ':')")
        return "officer"
    return f"group:{name}"


def parse_catalogue(text: str, path: str) -> Catalogue:
    """Parse and validate catalogue CSV text; raises :class:`CatalogueError` with every problem."""
    problems: list[str] = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CatalogueError(path, [f"line 1, field {m}: column missing from the header" for m in missing])
    nodes: list[NodeDef] = []
    lines: dict[str, int] = {}
    unset: set[str] = set()
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(f"line {line}: more values than header columns")
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        code = (row.get("code") or "").strip()
        if code in lines:
            problems.append(f"line {line}, field code: {code} already defined on line {lines[code]}")
            continue
        if code:
            lines[code] = line
        node = _parse_row(row, line, problems, unset)
        if node is not None:
            nodes.append(node)
    by_code = {n.code: n for n in nodes}
    for node in nodes:
        if node.trigger.kind is not TriggerKind.AFTER:
            continue
        if node.trigger.after not in lines:
            problems.append(
                f"line {node.line}, field trigger: after:{node.trigger.after} names no node in this catalogue"
            )
            continue
        if node.trigger.after not in by_code:
            continue  # that row's own problems are reported already
        seen = {node.code}
        current = by_code[node.trigger.after]
        while current.trigger.kind is TriggerKind.AFTER and current.trigger.after in by_code:
            if current.code in seen:
                problems.append(
                    f"line {node.line}, field trigger: after: chain from {node.code} loops back through {current.code}"
                )
                break
            seen.add(current.code)
            current = by_code[current.trigger.after]
    if not nodes and not problems:
        problems.append("line 2: the catalogue has no nodes")
    if problems:
        raise CatalogueError(path, problems)
    if unset and path != DEFAULT_PATH:
        nodes = _assume_notify_applicant(nodes, unset)
    if "case_types" not in header:
        nodes, note = _assume_case_types(nodes, path)
        return Catalogue(tuple(nodes), path, (note,))
    return Catalogue(tuple(nodes), path)


def _assume_case_types(nodes: list[NodeDef], path: str) -> tuple[list[NodeDef], str]:
    """A file written before the ``case_types`` column: a reference code takes the reference's
    case types, any other code the enforcement types (执, 执恢); returns the note saying so."""
    reference = load_catalogue()
    assumed = [
        replace(n, case_types=reference[n.code].case_types if n.code in reference else ENFORCEMENT_TYPES) for n in nodes
    ]
    groups: dict[tuple[str, ...], list[str]] = {}
    for node in assumed:
        groups.setdefault(node.case_types, []).append(node.code)
    said = "; ".join(f"{_code_ranges(codes)} for {'/'.join(types) or 'every type'}" for types, codes in groups.items())
    own = [n.code for n in nodes if n.code not in reference]
    return assumed, (
        f"catalogue {path} has no case_types column: assumed the reference's case types"
        + (f" (its own codes {_code_ranges(own)} for 执/执恢)" if own else "")
        + f": {said}. Add the column to say otherwise."
    )


def _assume_notify_applicant(nodes: list[NodeDef], unset: set[str]) -> list[NodeDef]:
    """A node whose ``notify_applicant`` is not said (no column, or an empty cell): the
    reference's choice for a reference code, no for the court's own codes."""
    reference = load_catalogue()
    return [
        replace(n, notify_applicant=n.code in reference and reference[n.code].notify_applicant)
        if n.code in unset
        else n
        for n in nodes
    ]


def _code_ranges(codes: list[str]) -> str:
    """``N01–N14, N21–N47``: consecutive codes as ranges."""
    numbers = sorted(int(c[1:]) for c in codes)
    parts: list[str] = []
    start = prev = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == prev + 1:
            prev = number
            continue
        parts.append(f"N{start:02d}" + (f"–N{prev:02d}" if prev != start else ""))
        if number is not None:
            start = prev = number
    return ", ".join(parts)


@cache
def _reference() -> Catalogue:
    text = resources.files("command_center.data").joinpath("catalogue.csv").read_text(encoding="utf-8-sig")
    return parse_catalogue(text, DEFAULT_PATH)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The court's catalogue file, or the reference catalogue shipped in the package."""
    if path is None:
        return _reference()
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CatalogueError(path, [f"cannot read the file ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise CatalogueError(path, ["is not UTF-8 text (save the CSV as UTF-8)"]) from None
    return parse_catalogue(text, str(path))
