"""The interchange workbook (DOMAIN.md §5): its sheets and columns, reading it, its template.

A court's case system exports one ``.xlsx`` workbook, or a folder of ``.csv`` files named
after the sheets (UTF-8 with or without BOM, or GBK / GB18030 as Excel on Chinese Windows
writes them).  Headers may be the English names, the Chinese names, or both as the template
writes them (``案号* (case_no)``); unknown columns are ignored.

This module only reads cells and turns them into Python values; :mod:`.importer` checks
references and writes.  Every problem is a :class:`Problem` naming sheet, row and column.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial
from itertools import chain, islice
from pathlib import Path
from typing import NamedTuple

from command_center.data.caseno import CASE_NO, INVISIBLE, normalise_case_no
from command_center.data.catalogue import ASSET_KINDS, CLOSING_MODES
from command_center.data.workcal import TZ

CASE_TYPES = ("执恢", "执保", "执异", "执复", "执监", "执")  # longest first: 执恢 before 执
_DATE = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?$")
_DATETIME = re.compile(r"^(.+?日?)(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*([+-]\d{2}:?\d{2}|Z)?$")
_MONEY_QUANTUM = Decimal("0.01")
#: separates the names of one cell: ; ； (the template's), 、 ， and a line break (a cell typed
#: with Alt+Enter), as case systems export a case's parties; no name holds one of them (an
#: ASCII comma may: "Foo, Inc.")
_NAME_SPLIT = re.compile(r"\r\n|[;；、，\r\n]")
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


@dataclass(frozen=True, order=True)
class Problem:
    """One bad cell (or row, or file): where it is and why, in words a court's IT staff can act on."""

    sheet: str
    row: int  # the spreadsheet's row number (the header is row 1); 0 = the whole sheet / file
    column: str  # the column's English name, or '' for the whole row
    reason: str
    #: the file's own words for them, where they differ: the sheet's title (or csv file's name)
    #: and the column's header as the export spells them (``执行案件``, ``执行案号``)
    title: str = ""
    header: str = ""

    def __str__(self) -> str:
        sheet = f"{self.title} ({self.sheet})" if self.title else self.sheet
        column = f"{self.header} ({self.column})" if self.header else self.column
        where = sheet + (f" row {self.row}" if self.row else "") + (f" column {column}" if column else "")
        return f"{where}: {self.reason}"

    def as_json(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
            "sheet_title": self.title or self.sheet,
            "header": self.header or self.column,
        }

    def in_words_of(self, title: str, headers: dict[str, str]) -> Problem:
        """This problem named as the file names its sheet (``title``) and columns (``headers``:
        column → the header the file gave it), as :func:`files_words` gives them."""
        return replace(self, title=title, header=headers.get(self.column, ""))


class Reason(str):
    """Why a cell, row, sheet or file is refused: its English text (it *is* that string, so
    logs, ``--json`` and ``str(problem)`` read as before) and, to say it in another language,
    its ``key`` and the ``values`` filled into it (``labels.IMPORT_REASONS``; a value that is
    itself a Reason is said in the same language)."""

    key: str
    values: dict  # a tuple among them is alternatives ("a or b", "a或b")

    def __new__(cls, key: str, english: str, /, **values) -> Reason:
        # a tuple: alternatives ("a or b"); a list: items ("a, b"), each perhaps a Reason itself
        shown = {
            k: " or ".join(v) if isinstance(v, tuple) else ", ".join(v) if isinstance(v, list) else v
            for k, v in values.items()
        }
        self = super().__new__(cls, english.format(**shown))
        self.key = key
        self.values = values
        return self

    def __reduce__(self):  # a str subclass with attributes: pickled (multiprocessing) with them
        return _reason, (self.key, str(self), self.values)


def _reason(key: str, text: str, values: dict) -> Reason:
    reason = str.__new__(Reason, text)
    reason.key, reason.values = key, values
    return reason


class CellError(ValueError):
    """A cell's value is not of its column's kind (its one argument, :attr:`reason`, says why)."""

    @property
    def reason(self) -> str:
        return self.args[0]


# -- values ------------------------------------------------------------------------------------


class Uncomputed:
    """A formula cell the file holds no value for: a program that does not compute formulas
    wrote ``=HYPERLINK(…)``.  openpyxl reads it as None, like an empty cell, which would clear
    the stored value; :func:`_sheet_rows` gives this instead, and every parser refuses it."""

    __slots__ = ("formula",)

    def __init__(self, formula: str):
        self.formula = formula

    def __repr__(self) -> str:
        return f"Uncomputed({self.formula!r})"


#: what Excel writes in a cell whose formula failed (the cached value of an error cell)
EXCEL_ERRORS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
)


#: control characters but tab and line breaks, invisible formatting characters (inside a
#: text: at its ends they are trimmed like spaces), and the replacement character that a wrong
#: decoding leaves behind: none of them has a place in a cell
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd" + INVISIBLE + "]")


def _cell_text(value) -> str:
    """A cell's text, without whitespace at its ends ('' for none); the refusals of every column."""
    if type(value) is not str:
        if type(value) is Uncomputed:
            shown = value.formula if len(value.formula) <= 60 else value.formula[:57] + "…"
            raise CellError(
                Reason(
                    "formula",
                    "holds the formula ={shown} but no value for it (the import does not compute formulas): "
                    "replace the formula by its value (copy, then paste as values)",
                    shown=shown,
                )
            )
        if isinstance(value, float):
            if abs(value) >= 1e15:  # Excel keeps 15 significant digits: an account or ID number lost its last ones
                raise CellError(
                    Reason(
                        "fifteen_digits",
                        "{number} is a number of more than 15 digits, which Excel does not keep exactly: "
                        "format the column as text and type the digits again",
                        number=f"{value:.15g}",
                    )
                )
            if value.is_integer():
                value = int(value)  # an account number typed as a number
        value = str(value)
    text = value.strip()
    if text in EXCEL_ERRORS:
        raise CellError(
            Reason("excel_error", "holds the Excel error {text} (a formula that failed), not a value", text=text)
        )
    return text


def _trim_invisible(text: str) -> str:
    """Without invisible characters and whitespace at its ends, as if they were spaces."""
    while text and (text[0] in INVISIBLE or text[-1] in INVISIBLE):
        text = text.strip(INVISIBLE).strip()
    return text


#: what exports write in a cell that has nothing to say (完成时间 ``—`` for a node not completed,
#: 承办人 ``无``): read as the empty cell it stands for, never as a name, a date or an amount
PLACEHOLDERS = frozenset(("-", "--", "—", "——", "–", "－", "/", "／", "无", "暂无", "N/A", "n/a", "NULL", "null"))


#: a number as Excel writes a long one into a csv file or a text cell: 6.22848E+18
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+\d{2}$")


def parse_text(value) -> str | None:
    if value is None:
        return None
    text = _cell_text(value)
    if text in PLACEHOLDERS:
        return None
    if _SCIENTIFIC.match(text):
        raise CellError(
            Reason(
                "scientific",
                "{text!r} is a number Excel wrote in scientific notation, which loses its last digits "
                "(an account or ID number): format the column as text and export it again",
                text=text,
            )
        )
    # str.isprintable() is False for every character _FORBIDDEN holds but U+FFFD (and for a few
    # that are allowed: line breaks, U+3000, private use): the common case in one C loop
    if (not text.isprintable() or "\ufffd" in text) and _FORBIDDEN.search(
        text
    ) is not None:  # trim the ends, look again
        text = _trim_invisible(text)
        bad = _FORBIDDEN.search(text)
        if bad is not None:
            raise CellError(_forbidden(text, bad.start()))
        if text in EXCEL_ERRORS:
            _cell_text(text)  # raises: an Excel error value between invisible characters
    return text or None


def _forbidden(text: str, at: int) -> Reason:
    char = text[at]
    code = f"U+{ord(char):04X}"
    if char == "\ufffd":
        what = Reason(
            "char_replacement",
            "the replacement character U+FFFD (the text was damaged by a wrong encoding before it reached this file)",
        )
    elif char in INVISIBLE:
        what = Reason(
            "char_invisible", "the invisible character {code}", code=f"{code} {unicodedata.name(char, '')}".rstrip()
        )
    else:
        what = Reason("char_control", "the control character {code}", code=code + (" (NUL)" if char == "\0" else ""))
    return Reason(
        "forbidden_char",
        "contains {what} at character {at} of {length}, which has no place in a cell",
        what=what,
        at=at + 1,
        length=len(text),
    )


def parse_case_no(value) -> str | None:
    """A 案号 in its stored form (:func:`normalise_case_no`: invisible characters anywhere in it are dropped)."""
    if value is None:
        return None
    text = _cell_text(value)
    return _case_no(text) if text else None


@lru_cache(maxsize=65_536)  # every row of every sheet names its case: most are repeats
def _case_no(text: str) -> str:
    normal = normalise_case_no(text)
    if not CASE_NO.match(normal):
        raise CellError(Reason("not_case_no", "{text!r} is not a 案号 such as （2026）内0425执1001号", text=text))
    return normal


def case_type_of(case_no: str) -> str:
    return CASE_NO.match(case_no).group(3)


def court_code_of(case_no: str) -> str:
    return CASE_NO.match(case_no).group(2)


def _real_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(Reason("not_real_date", "{text!r} is not a real calendar date", text=text)) from None


#: the years a date of a case may fall in: outside, it is a typo (2206 for 2026) or a placeholder
#: for "no date" (1900-01-01, 9999-12-31, an Excel serial 0); and before 1901 Asia/Shanghai is
#: local mean time (+08:05:43), year 1 is out of range in UTC on SQLite and not on PostgreSQL
YEARS = (1901, 2099)


def _within_years(day: date | None, value) -> None:
    if day is None or not YEARS[0] <= day.year <= YEARS[1]:
        shown = f"{value:%Y-%m-%d}" if isinstance(value, date) else repr(_cell_text(value))
        raise CellError(
            Reason(
                "outside_years",
                "{shown} is outside the years {first}-{last} (a typo, or a placeholder for no date? "
                "then leave the cell empty)",
                shown=shown,
                first=YEARS[0],
                last=YEARS[1],
            )
        )


def parse_date(value) -> date | None:
    day = _date(value)
    if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
        _within_years(day, value)
    return day


def parse_datetime(value) -> datetime | None:
    """A local time (Asia/Shanghai) unless the text carries an offset; a bare date is 00:00."""
    try:
        moment = _datetime(value)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 in Asia/Shanghai
        _within_years(None, value)
    if moment is not None and not YEARS[0] <= moment.year <= YEARS[1]:  # its local year
        _within_years(moment.date(), value)
    return moment


def parse_due(value) -> datetime | None:
    """A node's 期限 as the export gives it: a date alone (or a time of 00:00:00, as case systems
    write a date field: ``2026-12-01 00:00:00``) runs to the end of that day (23:59:59.999999
    local), as the product's own date-based due dates do, so a node is not overdue on the
    morning of its last day; a time of day is that instant."""
    moment = parse_datetime(value)
    if moment is not None and moment.time() == time(0):
        return datetime.combine(moment.date(), time(23, 59, 59, 999999), tzinfo=moment.tzinfo)
    return moment


def _date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):  # an Excel date cell (a time of day, if any, is dropped: the column is a date)
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value).date()
    text = parse_text(value)
    if text is None:
        return None
    if _is_iso(text) and len(text) == 10:
        try:
            return date.fromisoformat(text)  # the common form, fast
        except ValueError:
            pass  # e.g. 2026-02-30: the slow path says why
    if _DIGITS.match(text):
        return _digits(text).date()
    found = _DATE.match(text)
    if not found:
        if (loose := _loosened(text)) != text:  # ２０２６－０３－０２, 2026年3月2日9时
            try:
                return _date(loose)
            except CellError:
                pass  # said below, as the cell has it
        if " " in text or "T" in text:
            try:  # a date and time, as many case systems export every date ("2026-03-02 00:00:00")
                return _datetime(text).date()
            except CellError:
                pass
        raise CellError(
            Reason("not_date", "{text!r} is not a date such as 2026-11-20, 2026/11/20 or 2026年11月20日", text=text)
        )
    return _real_date(*(int(g) for g in found.groups()), text)


#: an Excel serial date (days since 1899-12-30, a fraction is the time of day), or 20260302
_DIGITS = re.compile(r"^(?:\d{1,5}(?:\.\d+)?|(?:19|20)\d{6})$")
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _serial(value: int | float) -> datetime:
    """A number in a date column: an Excel serial date, as a sheet holds a date cell whose
    format was lost (46083 is 2026-03-02), or ``20260302`` written as a number."""
    if isinstance(value, float) and not value.is_integer():
        if not 1 <= value < 2958466:
            raise CellError(_not_serial(repr(value)))
        return _EXCEL_EPOCH + timedelta(seconds=round(value * 86400))
    number = int(value)
    if 1900 <= number <= 2099:  # the serials of 1905: a year typed where a day was wanted, not a date cell
        raise CellError(
            Reason(
                "year_not_date", "{number} is a year, not a date: give the day, such as {number}-03-02", number=number
            )
        )
    if 19000101 <= number <= 20991231:
        text = str(number)
        return datetime.combine(_real_date(int(text[:4]), int(text[4:6]), int(text[6:]), text), time(0))
    if not 1 <= number < 2958466:
        raise CellError(_not_serial(str(number)))
    return _EXCEL_EPOCH + timedelta(days=number)


def _not_serial(shown: str) -> Reason:
    return Reason(
        "not_serial", "{shown} is neither a date nor an Excel serial date (days since 1899-12-30)", shown=shown
    )


def _digits(text: str) -> datetime:
    return _serial(float(text) if "." in text else int(text))


def _datetime(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):  # Excel cells carry no zone: local time
        return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=TZ)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value).replace(tzinfo=TZ)
    text = parse_text(value)
    if text is None:
        return None
    if _DIGITS.match(text):
        return _digits(text).replace(tzinfo=TZ)
    if _is_iso(text):
        try:
            moment = datetime.fromisoformat(text)  # the common form, fast
        except ValueError:
            pass  # the slow path says why
        else:
            return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment.astimezone(TZ)
    found = _DATETIME.match(text)
    day_match = _DATE.match(found.group(1).strip()) if found else None
    if not day_match:
        if (loose := _loosened(text)) != text:  # 2026年3月2日09时05分, ０９：０５
            try:
                return _datetime(loose)
            except CellError:
                pass  # said below, as the cell has it
        raise CellError(_not_datetime(text))
    day_text, hour, minute, second, offset = found.groups()
    day = _real_date(*(int(g) for g in day_match.groups()), text)
    h, mi, s = int(hour or 0), int(minute or 0), int(second or 0)
    if h > 23 or mi > 59 or s > 59:
        raise CellError(Reason("no_such_time", "{text!r} has no such time of day", text=text))
    moment = datetime.combine(day, time(h, mi, s))
    if offset:
        tz = datetime.fromisoformat("2000-01-01T00:00" + ("+00:00" if offset == "Z" else offset)).tzinfo
        return moment.replace(tzinfo=tz).astimezone(TZ)
    return moment.replace(tzinfo=TZ)


_CLOCK = re.compile(r"(\d{1,2})\s*[时点]\s*(?:(\d{1,2})\s*分\s*(?:(\d{1,2})\s*秒)?)?")


def _loosened(text: str) -> str:
    """A date or time as Chinese systems also write it, in the forms the parsers read:
    full-width digits and punctuation (``２０２６－０３－０２ ０９：０５``), the time in words
    (``09时05分``, ``9点``, ``09时05分30秒``), the time right after 日 (``2026年3月2日09:05``)."""
    text = unicodedata.normalize("NFKC", text)
    if "时" in text or "点" in text:
        text = _CLOCK.sub(
            lambda m: ":".join(f"{int(part):02d}" for part in (m[1], m[2] or 0, m[3]) if part is not None), text
        )
    return re.sub(r"日(?=\d)", "日 ", text)


def _not_datetime(text: str) -> Reason:
    return Reason(
        "not_datetime",
        "{text!r} is not a date and time such as 2026-11-20 09:30, 2026/11/20 9:30:00 or 2026年11月20日",
        text=text,
    )


def _is_iso(text: str) -> bool:
    """``YYYY-MM-DD…``: what ``fromisoformat`` reads (its exotic forms, e.g. week dates, excluded)."""
    return len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit()


#: the units a money column's header or cell may name (``执行标的（万元）``, ``12.5万``): yuan each
MONEY_UNITS = {"元": 1, "千元": 1_000, "万元": 10_000, "万": 10_000, "亿元": 100_000_000, "亿": 100_000_000}


#: units a statistics export writes on a row of their own under the headers (``（元）``, ``（件）``)
OTHER_UNITS = {"件", "人", "个", "户", "项", "宗", "笔", "次", "天", "日", "%", "％"}
_UNIT_CELL = re.compile(r"^[（(]?\s*(?:单位\s*[:：]\s*)?(?P<unit>[^\s()（）:：]{1,3})\s*[)）]?$")
#: a note above the headers that gives the sheet's money unit (``单位：万元``, ``金额单位: 元``)
_UNIT_NOTE = re.compile(r"单位\s*[:：]\s*(?P<unit>千元|万元|亿元|元)")


def header_unit(header) -> int | None:
    """The unit a header names in brackets (``执行标的（万元）``, ``（单位：万元）``, ``(人民币万元)`` →
    10000), or None."""
    parts = [p.strip() for p in re.split(r"[()]", plain(header).replace("*", "")) if p.strip()]
    units = [re.sub(r"^(?:金额)?(?:单位:)?(?:人民币|rmb)?", "", p) for p in parts[1:]]
    return next((MONEY_UNITS[u] for u in units if u in MONEY_UNITS), None)


def in_header_unit(column: Column, header) -> Column:
    """``column`` as read under ``header``: a money column whose header names its unit
    (``执行标的（万元）``, as statistics exports write it) reads a bare number in that unit, so
    ``12.5`` there is 125,000.00 yuan, not 12.50."""
    unit = header_unit(header) if column.parse is parse_money else None
    if unit is None or unit == 1:
        return column
    return replace(column, parse=partial(parse_money, unit=unit))


#: an amount with thousands separators: 1,234 and 1,234,567.50, not 12,5 nor 1,2345
_GROUPED = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
#: a currency named before an amount: 人民币1234元, RMB 1234, CNY1234
_CURRENCY = re.compile(r"^\s*(?:人民币|RMB|CNY)\s*", re.IGNORECASE)


def parse_money(value, unit: int = 1) -> Decimal | None:
    """Yuan, at most two decimals, not negative; ``1,234.50``, ``¥1234.5`` and ``12.5万`` are
    fine; a bare number is in ``unit`` yuan (its column's header's: :func:`in_header_unit`)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(Reason("not_amount", "{value!r} is not an amount", value=value))
    if isinstance(value, float):  # Excel's number cells, read as Excel shows them: 15 significant digits
        # (a formula's 0.1+0.2 is the double 0.30000000000000004, which Excel shows and means as 0.3)
        value = format(Decimal(format(value, ".15g")), "f")
    text = parse_text(value)
    if text is None:
        return None
    cleaned = text if text.isascii() else unicodedata.normalize("NFKC", text)  # full-width digits: １２３４．５
    cleaned = _CURRENCY.sub("", cleaned.replace("¥", "")).strip()
    for word in sorted(MONEY_UNITS, key=len, reverse=True):  # the cell's own unit wins over its header's
        if cleaned.endswith(word):
            cleaned, unit = cleaned[: -len(word)].strip(), MONEY_UNITS[word]
            break
    if "," in cleaned:  # thousands separators only: a decimal comma (12,5) is not 125
        if not _GROUPED.match(cleaned):
            raise CellError(
                Reason(
                    "misplaced_comma",
                    "{text!r}: its commas are not thousands separators (1,234,567.50), so it is not read "
                    "(12,5 may mean 12.5)",
                    text=text,
                )
            )
        cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned) * unit
    except InvalidOperation:
        raise CellError(_not_yuan(text)) from None
    if not amount.is_finite():
        raise CellError(_not_yuan(text))
    if amount < 0:
        raise CellError(Reason("negative", "{text} is negative", text=text))
    if amount.adjusted() >= 20:  # no court's amount; and too many digits to be counted in fen exactly
        raise CellError(Reason("amount_huge", "{text} is far too large for an amount in yuan", text=text))
    if amount != amount.quantize(_MONEY_QUANTUM):
        raise CellError(
            Reason("two_decimals", "{text} has more than two decimals (amounts are in yuan, to the fen)", text=text)
        )
    return amount.quantize(_MONEY_QUANTUM)


def _not_yuan(text: str) -> Reason:
    return Reason("not_yuan", "{text!r} is not an amount in yuan such as 1234.50", text=text)


#: the words case systems export for a column with a fixed vocabulary (DOMAIN §8, §11), by
#: column: the export's word → the product's.  The product's own words are always accepted;
#: a court adds its own in the import mapping file (``[values.case_type]``…).
VALUE_WORDS: dict[str, dict[str, str]] = {
    "case_type": {
        "首次执行": "执",
        "执行实施": "执",
        "恢复执行": "执恢",
        "财产保全执行": "执保",
        "保全执行": "执保",
        "财产保全": "执保",
        "执行异议": "执异",
        "执行复议": "执复",
        "执行监督": "执监",
    },
    "closing_mode": {"终本": "终结本次执行程序", "终结本次执行": "终结本次执行程序", "执结": "执行完毕"},
    "kind": {
        "机动车": "车辆",
        "汽车": "车辆",
        "房产": "不动产",
        "房屋": "不动产",
        "土地使用权": "不动产",
        "土地": "不动产",
        "动产(车辆除外)": "动产",
        "股份": "股权",
    },
}


def _one_of(values: tuple[str, ...], what: Reason, column: str) -> Callable:
    def parse(value) -> str | None:
        text = parse_text(value)
        if text is not None and text not in values:
            words = "、".join(VALUE_WORDS.get(column, {}))
            also = Reason("also_exported", ", or as exported: {words}", words=words) if words else ""
            raise CellError(
                Reason(
                    "not_one_of",
                    "{text!r} is not a known {what} (one of {values}{also}); "
                    "a court's own word is mapped once in the import mapping file's [values.{column}]",
                    text=text,
                    what=what,
                    values="、".join(values),
                    also=also,
                    column=column,
                )
            )
        return text

    return parse


#: separates names, ID numbers and phones in one cell
_LIST_SPLIT = _NAME_SPLIT


#: a list cut short by the export (``张三等3人``): a count where the names should be
_AND_OTHERS = re.compile(r"等\s*[0-9０-９一二三四五六七八九十百]+\s*(?:人|名|个|位|家)$")


def parse_names(value) -> tuple[str, ...] | None:
    text = parse_text(value)
    if text is None:
        return None
    names = tuple(name.strip() for name in _NAME_SPLIT.split(text) if name.strip())
    if names and _AND_OTHERS.search(names[-1]):
        raise CellError(
            Reason(
                "and_others",
                "{text!r} counts the parties instead of naming them: export every name (separated by ；)",
                text=text if len(text) <= 40 else text[:39] + "…",
            )
        )
    return names


_ID_NUMBER = re.compile(r"^[0-9A-Z]{6,30}$")
_PHONE = re.compile(r"^\+?[0-9]+(?:-[0-9]+)*(?:(?:转|ext)[0-9]{1,6})?$")


def _positional(value, one: Callable[[str], str], what: Reason) -> tuple[str | None, ...] | None:
    """One entry per name of the column beside it, in the same order and separated the same way;
    an empty entry (``;1504…``) is a name without one."""
    text = parse_text(value)
    if text is None:
        return None
    entries = []
    for position, entry in enumerate(_LIST_SPLIT.split(text), start=1):
        entry = entry.strip()
        if not entry:
            entries.append(None)
            continue
        try:
            entries.append(one(entry))
        except CellError as exc:
            raise CellError(
                Reason("nth_entry", "the {nth} {what} {reason}", nth=_ordinal(position), what=what, reason=exc.reason)
            ) from None
    return tuple(entries)


def _ordinal(n: int) -> Reason:
    return Reason("ordinal", {1: "first", 2: "second", 3: "third"}.get(n, "{n}th"), n=n)


def _id_number(entry: str) -> str:
    normal = unicodedata.normalize("NFKC", entry).replace(" ", "").upper()
    if not _ID_NUMBER.match(normal):
        raise CellError(
            Reason(
                "not_id_number",
                "{entry!r} is not an ID number (digits and letters: 居民身份证号码, 统一社会信用代码, 护照号码)",
                entry=entry,
            )
        )
    return normal


def _phone(entry: str) -> str:
    normal = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", entry))
    if not _PHONE.match(normal) or not 7 <= sum(c.isdigit() for c in normal) <= 24:
        raise CellError(
            Reason("not_phone", "{entry!r} is not a phone number such as 13800000000 or 0476-5123456", entry=entry)
        )
    return normal


def parse_id_numbers(value) -> tuple[str | None, ...] | None:
    return _positional(value, _id_number, Reason("word_id_number", "ID number"))


def parse_phones(value) -> tuple[str | None, ...] | None:
    return _positional(value, _phone, Reason("word_phone", "phone"))


#: a column of ID numbers or phones → the column of names its entries belong to, by position
NAMES_OF = {"applicant_ids": "applicants", "debtor_ids": "debtors", "applicant_phones": "applicants"}


# -- the sheets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    parse: Callable
    required: bool = False
    example: object = None
    #: other headers real exports give the column (DOMAIN §11), accepted out of the box
    aliases: tuple[str, ...] = ()

    def header(self) -> str:
        """As the template writes it: ``案号* (case_no)``."""
        return f"{self.zh}{'*' if self.required else ''} ({self.name})"


@dataclass(frozen=True)
class Sheet:
    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the natural key
    #: other names real exports give the sheet (DOMAIN §11), accepted out of the box
    aliases: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name, zh, parse, required=False, example=None, aliases=()) -> Column:
    return Column(name, zh, parse, required, example, tuple(aliases))


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "cases",
        "案件",
        (
            _c("case_no", "案号", parse_case_no, True, "（2026）内0425执1001号", ("执行案号", "案件号")),
            _c("filed_on", "立案日期", parse_date, True, "2026-03-02", ("收案日期", "立案时间", "收案时间")),
            _c(
                "case_type",
                "案件类型",
                _one_of(CASE_TYPES, Reason("word_case_type", "case type"), "case_type"),
                example="执",
                aliases=("案件类别",),
            ),
            _c(
                "court",
                "法院",
                parse_text,
                example="克什克腾旗人民法院",
                aliases=("法院名称", "承办法院", "经办法院", "执行法院"),
            ),
            _c(
                "amount",
                "标的额",
                parse_money,
                example="125000.00",
                aliases=("执行标的", "执行标的额", "执行标的金额", "申请执行标的额", "申请执行标的金额", "标的金额"),
            ),
            _c(
                "amount_recovered",
                "实际到位金额",
                parse_money,
                example="30000.00",
                aliases=("执行到位金额", "到位金额", "实际执行到位金额", "已执行到位金额"),
            ),
            _c(
                "applicants",
                "申请执行人",
                parse_names,
                example="王某某",
                aliases=("申请执行人名称", "申请执行人姓名", "申请人"),
            ),
            _c(
                "debtors",
                "被执行人",
                parse_names,
                example="赤峰某某商贸有限公司；李某某",
                aliases=("被执行人名称", "被执行人姓名", "被申请执行人"),
            ),
            _c(
                "applicant_ids",
                "申请执行人证件号码",
                parse_id_numbers,
                aliases=("申请执行人身份证号码", "申请执行人证件号", "申请执行人身份证号"),
            ),
            _c(
                "debtor_ids",
                "被执行人证件号码",
                parse_id_numbers,
                aliases=("被执行人身份证号码", "被执行人证件号", "被执行人身份证号", "被执行人统一社会信用代码"),
            ),
            _c(
                "applicant_phones",
                "申请执行人电话",
                parse_phones,
                aliases=("申请执行人联系电话", "申请执行人手机号码", "申请执行人手机号", "申请执行人手机"),
            ),
            _c("team", "承办团队", parse_text, example="普执一组", aliases=("承办部门", "执行团队", "承办庭室")),
            _c(
                "officer",
                "承办人",
                parse_text,
                example="张某",
                aliases=("承办法官", "承办人员", "执行法官", "承办人姓名"),
            ),
            _c("track", "繁简分流", parse_text, example="普执", aliases=("分流类型", "繁简分流结果")),
            _c("closed_on", "结案日期", parse_date, aliases=("结案时间",)),
            _c(
                "closing_mode",
                "结案方式",
                _one_of(CLOSING_MODES, Reason("word_closing_mode", "closing mode"), "closing_mode"),
            ),
            _c("term_extended_to", "延长期限至", parse_date, aliases=("执行期限延长至", "审限延长至", "延长审限至")),
        ),
        ("case_no",),
        ("案件信息", "执行案件", "执行案件信息", "案件列表", "案件明细"),
    ),
    Sheet(
        "nodes",
        "节点",
        (
            _c("case_no", "案号", parse_case_no, True, "（2026）内0425执1001号", ("执行案号",)),
            _c("node_code", "节点代码", parse_text, True, "N05", ("节点编号",)),
            _c("subject_id", "对象编号", parse_text),
            _c("started_at", "开始时间", parse_datetime, example="2026-03-02 09:00", aliases=("开始日期",)),
            _c(
                "completed_at", "完成时间", parse_datetime, example="2026-03-05 16:30", aliases=("完成日期", "办结时间")
            ),
            _c("due_at", "期限", parse_due, aliases=("期限届满时间", "截止时间")),
        ),
        ("case_no", "node_code", "subject_id"),
        ("流程节点", "节点信息"),
    ),
    Sheet(
        "funds",
        "案款",
        (
            _c("fund_id", "案款编号", parse_text, True, "F2026-0001", ("款项编号", "到账编号", "收款编号")),
            _c("case_no", "案号", parse_case_no, True, "（2026）内0425执1001号", ("执行案号",)),
            _c("amount", "金额", parse_money, True, "30000.00", ("到账金额", "款项金额", "收款金额")),
            _c(
                "arrived_at", "到账时间", parse_datetime, True, "2026-04-01 10:15", ("到账日期", "收款时间", "收款日期")
            ),
            _c("claimed_at", "认领时间", parse_datetime, example="2026-04-02 09:00", aliases=("认领日期",)),
            _c("disbursed_at", "发放时间", parse_datetime, aliases=("发放日期", "支付时间", "付款时间")),
        ),
        ("fund_id",),
        ("案款明细", "到账登记", "案款信息", "到账明细"),
    ),
    Sheet(
        "assets",
        "查封财产",
        (
            _c("asset_id", "财产编号", parse_text, True, "A2026-0001"),
            _c("case_no", "案号", parse_case_no, True, "（2026）内0425执1001号", ("执行案号",)),
            _c(
                "kind",
                "类别",
                _one_of(ASSET_KINDS, Reason("word_asset_kind", "asset kind"), "kind"),
                True,
                "车辆",
                ("财产类别", "财产类型", "财产种类"),
            ),
            _c("seized_on", "查封扣押日期", parse_date, True, "2026-03-20", ("查封日期", "扣押日期", "查封时间")),
            _c("location", "保管地点", parse_text, example="执行局扣押物仓库A区", aliases=("存放地点",)),
            _c("valuation", "评估价值", parse_money, example="86000.00", aliases=("评估价", "评估金额")),
            _c("evaluation_started_on", "启动评估日期", parse_date),
            _c("disposal_status", "处置状态", parse_text, example="待评估", aliases=("处置情况",)),
            _c(
                "seal_expires_on",
                "查封到期日",
                parse_date,
                example="2029-03-19",
                aliases=("查封到期日期", "查封期限届满日", "查封截止日期"),
            ),
            _c("renewed_until", "续封至", parse_date, aliases=("续封到期日", "续封至日期")),
        ),
        ("asset_id",),
        ("查封扣押财产", "财产信息", "查封财产信息"),
    ),
    Sheet(
        "accounts",
        "冻结账户",
        (
            _c("account_id", "账户编号", parse_text, True, "B2026-0001"),
            _c("case_no", "案号", parse_case_no, True, "（2026）内0425执1001号", ("执行案号",)),
            _c("bank", "开户行", parse_text, example="中国农业银行克什克腾旗支行", aliases=("开户银行", "开户机构")),
            _c("account_no", "账号", parse_text, example="6228480000000000000", aliases=("银行账号", "账户号码")),
            _c("frozen_on", "冻结日期", parse_date, True, "2026-03-10", ("冻结时间",)),
            _c(
                "expires_on",
                "到期日期",
                parse_date,
                example="2027-03-09",
                aliases=("冻结到期日", "冻结到期日期", "冻结截止日期"),
            ),
            _c("renewed_until", "续冻至", parse_date, aliases=("续冻到期日",)),
            _c("released_on", "解冻日期", parse_date, aliases=("解除冻结日期", "解冻时间")),
            _c(
                "frozen_amount",
                "冻结金额",
                parse_money,
                example="120000.00",
                aliases=("冻结金额(元)", "冻结金额（元）", "实际冻结金额", "冻结数额"),
            ),
        ),
        ("account_id",),
        ("冻结信息", "冻结存款"),
    ),
    Sheet(
        "leads",
        "线索",
        (
            _c("lead_id", "线索编号", parse_text, True, "L2026-0001"),
            _c("case_no", "案号", parse_case_no, True, "（2026）内0425执1001号", ("执行案号",)),
            _c(
                "reported_at",
                "提供时间",
                parse_datetime,
                True,
                "2026-05-06 15:00",
                ("提供日期", "线索提供时间", "登记时间"),
            ),
            _c("control_started_at", "查控时间", parse_datetime, example="2026-05-07 10:00", aliases=("查控日期",)),
        ),
        ("lead_id",),
        ("财产线索", "线索信息"),
    ),
    Sheet(
        "suspensions",
        "中止期间",
        (
            _c("case_no", "案号", parse_case_no, True, "（2026）内0425执1001号", ("执行案号",)),
            _c("from_date", "开始日期", parse_date, True, "2026-07-01", ("中止日期", "中止开始日期")),
            _c("to_date", "结束日期", parse_date, example="2026-07-31", aliases=("恢复日期", "中止结束日期")),
        ),
        ("case_no", "from_date"),
        ("中止记录", "中止信息"),
    ),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS} | {s.zh: s for s in SHEETS}


def plain(text) -> str:
    """A sheet name, header or word as it is compared: NFKC (full-width letters, digits and
    brackets are ASCII), without invisible characters (a BOM, zero-width spaces) and spaces,
    lower case."""
    return "".join(unicodedata.normalize("NFKC", str(text)).translate(_DROP_INVISIBLE).split()).lower()


@dataclass(frozen=True)
class ExportMapping:
    """A court's own words for the interchange workbook, from its import mapping file
    (:mod:`.mapping` reads and checks it): sheet names, headers and the words of a column with
    a fixed vocabulary.  They come on top of the product's names and :data:`VALUE_WORDS`."""

    source: str = ""  # the file it was read from ('' = no mapping)
    sheets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # sheet → the court's names
    columns: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (sheet, column) → headers
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # column → the court's word → the product's

    def sheet_title(self, sheet: Sheet) -> str:
        return self.sheets.get(sheet.name, (sheet.name,))[0]

    def header(self, sheet: Sheet, column: Column) -> str:
        return self.columns.get((sheet.name, column.name), (column.header(),))[0]

    def words(self, column: str) -> dict[str, str]:
        """The export's word (compared as :func:`plain` does) → the product's, for ``column``."""
        words = VALUE_WORDS.get(column, {}) | dict(self.values.get(column, {}))
        return {plain(word): value for word, value in words.items()}


NO_MAPPING = ExportMapping()


def _builtin_sheet_keys() -> dict[str, Sheet]:
    keys: dict[str, Sheet] = {}
    for sheet in SHEETS:
        for name in (sheet.name, sheet.zh, *sheet.aliases):
            if keys.setdefault(plain(name), sheet) is not sheet:
                raise AssertionError(f"the sheet name {name} stands for two sheets")
    return keys


_SHEET_KEYS = _builtin_sheet_keys()


def sheet_named(name: str, mapping: ExportMapping = NO_MAPPING) -> Sheet | None:
    """The sheet a workbook tab or csv file stands for: ``cases``, ``Cases``, ``ｃａｓｅｓ``, ``案件``,
    ``执行案件信息``, or the name the court's mapping file gives it (which wins)."""
    key = plain(name)
    for sheet_name, names in mapping.sheets.items():
        if key in (plain(n) for n in names):
            return SHEET_BY_NAME[sheet_name]
    return _SHEET_KEYS.get(key)


def _header_key(text) -> list[str]:
    """The names a header cell may stand for: ``案号* (case_no)`` → ``['案号', 'case_no']``."""
    raw = plain(text).replace("*", "")
    parts = [p.strip() for p in re.split(r"[()]", raw) if p.strip()]
    return [raw, *parts] if len(parts) > 1 else parts or [""]


def header_names(sheet: Sheet, mapping: ExportMapping = NO_MAPPING) -> dict[str, str]:
    """Every header (compared as :func:`plain` does) → the column it stands for: the column's
    English and Chinese names, the words of real exports, and the court's own (which win)."""
    names: dict[str, str] = {}
    for column in sheet.columns:
        for name in (column.name, column.zh, *column.aliases):
            names.setdefault(plain(name), column.name)
    for (sheet_name, column), headers in mapping.columns.items():
        if sheet_name == sheet.name:
            names.update((plain(h), column) for h in headers)
    return names


def _column_of(header, names: dict[str, str]) -> str | None:
    """The column a header cell stands for (``names``: :func:`header_names`), or None."""
    if header is None:
        return None
    return next((names[k] for k in _header_key(header) if k in names), None)


def map_headers(
    sheet: Sheet, headers: list, mapping: ExportMapping = NO_MAPPING, row: int = 1
) -> tuple[dict[str, int], list[Problem]]:
    """Column name → position; problems for duplicated or missing required columns (one each,
    on the header ``row``: the rows below are not blamed for it)."""
    names = header_names(sheet, mapping)
    found: dict[str, int] = {}
    problems = []
    for position, header in enumerate(headers):
        column = _column_of(header, names)
        if column is None:
            continue  # unknown columns are ignored
        if column in found:
            if _day_and_time(sheet, column, headers[found[column]], header):
                continue  # read as one (:func:`_date_and_time`)
            problems.append(
                Problem(
                    sheet.name,
                    row,
                    column,
                    Reason(
                        "column_twice",
                        "the column appears twice (headers {first} {first_header} and {second} {second_header})",
                        first=found[column] + 1,
                        first_header=str(headers[found[column]]),
                        second=position + 1,
                        second_header=str(header),
                    ),
                )
            )
        else:
            found[column] = position
    for column in sheet.columns:
        if column.required and column.name not in found:
            problems.append(Problem(sheet.name, row, column.name, _missing(sheet, column, headers, mapping)))
    for column, names_column in NAMES_OF.items():
        if column in found and names_column not in found:
            problems.append(
                Problem(
                    sheet.name,
                    row,
                    column,
                    Reason(
                        "needs_names",
                        "needs the column {zh} ({names_column}) beside it: its entries belong to those names, "
                        "by position",
                        zh=sheet.column(names_column).zh,
                        names_column=names_column,
                    ),
                )
            )
    return found, problems


def files_words(raw: RawSheet, mapping: ExportMapping) -> tuple[str, dict[str, str]]:
    """How the file names a sheet and its columns, for its problems: the sheet's title (a csv
    file's name) unless it is the product's own English name, and column → the header the file
    gave it unless that is the column's English name (``cases``/``filed_on`` need no second name;
    ``案件``, ``cases.csv``, ``立案日期``, ``执行案号`` are what the court sees)."""
    sheet = raw.sheet
    title = raw.source if raw.source != sheet.name else ""
    headers = {}
    for column, position in map_headers(sheet, raw.headers, mapping, raw.header_row)[0].items():
        header = raw.headers[position]
        if plain(column) not in _header_key(header):
            headers[column] = str(header).strip()
    return title, headers


def unknown_headers(sheet: Sheet, headers: list, mapping: ExportMapping = NO_MAPPING) -> list[tuple[str, str | None]]:
    """The headers of a sheet that stand for none of its columns (their cells are not read), each
    with the column it may be (``被执行人姓名`` → ``debtors``) when that column has no header here."""
    names = header_names(sheet, mapping)
    found = {names[k] for h in headers if h is not None for k in _header_key(h) if k in names}
    unknown = []
    for header in headers:
        text = str(header).strip() if header is not None else ""
        if not text or any(k in names for k in _header_key(header)):
            continue
        missing = {plain(n): c.name for c in sheet.columns if c.name not in found for n in (c.zh, *c.aliases)}
        close = difflib.get_close_matches(plain(text), list(missing), n=1, cutoff=0.7)
        unknown.append((text, missing[close[0]] if close else None))
    return unknown


def _missing(sheet: Sheet, column: Column, headers: list, mapping: ExportMapping) -> Reason:
    accepted = [column.zh, column.name, *column.aliases, *mapping.columns.get((sheet.name, column.name), ())]
    unknown = [str(h).strip() for h in headers if h is not None and str(h).strip()]
    unknown = [h for h in unknown if not any(k in header_names(sheet, mapping) for k in _header_key(h))]
    close = difflib.get_close_matches(column.zh, unknown, n=1, cutoff=0.3)
    hint = Reason("is_it_column", "; is it the column {close!r}?", close=close[0]) if close else ""
    return Reason(
        "column_missing",
        "required column missing (a header {accepted}){hint}; a court's own header is named once in the "
        'import mapping file: [columns.{sheet}] {column} = "…"',
        accepted=tuple(dict.fromkeys(accepted)),
        hint=hint,
        sheet=sheet.name,
        column=column.name,
    )


# -- reading files -------------------------------------------------------------------------------


@dataclass
class RawSheet:
    """One sheet as read: where it came from, its headers, and an iterator of (row number, cells)."""

    sheet: Sheet
    source: str
    headers: list
    rows: Iterator[tuple[int, list]]
    estimated_rows: int
    header_row: int = 1  # the row the headers are on (below a title, in many exports)
    #: money columns whose unit the sheet gives outside their header (a row of units under the
    #: headers, a ``单位：万元`` note above them): (the header as the file has it, the unit)
    units: list[tuple[str, str]] = field(default_factory=list)
    #: the row of units under the headers, if the sheet has one (:func:`_with_units`)
    units_row: int = 0
    #: a workbook's cells merged down several rows: (column index, first row, last row)
    merged: list[tuple[int, int, int]] = field(default_factory=list)
    #: rows whose key cell (案号…) lies under the first row of a merged range: a case over several rows
    continued: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class IgnoredSheet:
    """A workbook sheet or csv file that is none of :data:`SHEETS`: left alone, and listed in the summary."""

    name: str  # the sheet's title, or the csv file's name
    hidden: bool = False
    did_you_mean: str | None = None  # the closest name that would have been recognised
    #: a sheet of the product's with nothing in it at all (no header either): nothing to read
    empty: bool = False

    def as_json(self) -> dict:
        return {"name": self.name, "hidden": self.hidden, "did_you_mean": self.did_you_mean, "empty": self.empty}


def _ignored(name: str, stem: str, hidden: bool = False) -> IgnoredSheet:
    close = difflib.get_close_matches(plain(stem), list(_SHEET_KEYS), n=1, cutoff=0.6)  # the product's names
    return IgnoredSheet(name, hidden, close[0] if close else None)


#: the names a sheet (or csv file) is recognised by, for messages: ``cases/案件, nodes/节点, …``
RECOGNISED_NAMES = ", ".join(f"{s.name}/{s.zh}" for s in SHEETS)


class Opened(NamedTuple):
    sheets: list[RawSheet]  # in the order of SHEETS
    problems: list[Problem]  # files or sheets that cannot be imported
    ignored: list[IgnoredSheet]


class FileProblem(Exception):
    """The file (or folder) cannot be read at all."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


#: the files a court's office may export that the product does not read, by suffix: what wrote them
SAVE_AS = {".xls": "Excel/WPS", ".et": "WPS", ".ett": "WPS", ".ods": "LibreOffice", ".numbers": "Numbers"}


def open_interchange(path: Path, mapping: ExportMapping = NO_MAPPING) -> Opened:
    """The known sheets of a workbook or a csv folder, the problems of the sheets or files that
    cannot be read (a csv folder's other files are still read), and the sheets it ignores.
    ``mapping`` adds a court's own sheet names and headers."""
    if not path.exists():
        raise FileProblem(Problem(str(path), 0, "", Reason("no_such_file", "no such file or folder")))
    problems: list[Problem] = []
    ignored: list[IgnoredSheet] = []
    if path.is_dir():
        sheets = _csv_folder(path, problems, ignored, mapping)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _workbook(path, problems, ignored, mapping)
    elif path.suffix.lower() == ".csv":
        sheets = _csv_folder(path.parent, problems, ignored, mapping, only=path)
    else:
        kind = SAVE_AS.get(path.suffix.lower())
        save_as = (
            Reason("save_as_xlsx", "; open it in {kind} and save it as an Excel workbook (.xlsx)", kind=kind)
            if kind
            else ""
        )
        raise FileProblem(
            Problem(
                str(path),
                0,
                "",
                Reason(
                    "not_interchange",
                    "not an .xlsx workbook, a .csv file or a folder of .csv files{save_as}",
                    save_as=save_as,
                ),
            )
        )
    if not sheets and not problems:
        others = [_shown(i) for i in ignored if not i.empty]
        empty = [i.name for i in ignored if i.empty]
        raise FileProblem(
            Problem(
                str(path),
                0,
                "",
                Reason(
                    "no_known_sheet",
                    "holds none of the sheets {names}{others}{empty}",
                    names=RECOGNISED_NAMES,
                    others=Reason("its_sheets", "; its sheets {sheets} are none of them", sheets=others)
                    if others
                    else "",
                    empty=Reason("empty_listed", "; {sheets}: empty, not even a header", sheets=empty) if empty else "",
                ),
            )
        )
    order = {s.name: i for i, s in enumerate(SHEETS)}
    located = [_locate_header(raw, mapping) for raw in sheets]
    return Opened(sorted(located, key=lambda raw: order[raw.sheet.name]), problems, ignored)


#: how far down a title, an export date or a note may push the header row
HEADER_SEARCH_ROWS = 10


def _locate_header(raw: RawSheet, mapping: ExportMapping) -> RawSheet:
    """The sheet with its header row found: many exports put a title (``执行案件信息表``), the
    export's date or a note above the headers.  The header is the first row that has every
    required column, within :data:`HEADER_SEARCH_ROWS`, if each row above it has at most two
    cells filled in (a title, a date) or only labels (:func:`_label_row`: a row of data is
    never skipped).  Otherwise row 1 is.  A header in two rows (a group over its columns,
    ``被执行人`` over ``姓名`` and ``证件号码``) is read as one (:func:`_two_row_header`)."""
    if not map_headers(raw.sheet, raw.headers, mapping)[1]:
        return _below_headers(_with_sub_header(raw, mapping), mapping, [])
    peeked: list[tuple[int, list]] = []
    above = [raw.headers]
    for number, cells in raw.rows:
        peeked.append((number, cells))
        if len(_filled(above[-1])) > 2 and not _label_row(above[-1]):
            break
        headers = _two_row_header(raw.sheet, above[-1], cells, mapping)
        if not map_headers(raw.sheet, headers, mapping)[1]:
            found = replace(raw, headers=headers, estimated_rows=raw.estimated_rows - len(peeked), header_row=number)
            found = found if headers is not cells else _with_sub_header(found, mapping)
            return _below_headers(found, mapping, above)
        if len(peeked) >= HEADER_SEARCH_ROWS:
            break
        above.append(cells)
    raw.rows = chain(peeked, raw.rows)
    return raw


def _with_sub_header(raw: RawSheet, mapping: ExportMapping) -> RawSheet:
    """``raw`` with the row below its headers read as their second row when it is one: labels
    only, nothing in the key columns, and more of the sheet's columns named by the two rows
    together (``当事人`` over ``申请执行人 | 被执行人``) than by the first alone."""
    first = next(raw.rows, None)
    if first is None:
        return raw
    number, cells = first
    positions = map_headers(raw.sheet, raw.headers, mapping)[0]
    keys_empty = all(blank(cells[positions[k]]) for k in raw.sheet.key if k in positions and positions[k] < len(cells))
    if keys_empty and _label_row(cells):
        headers = _two_row_header(raw.sheet, raw.headers, cells, mapping)
        if headers is not cells and not map_headers(raw.sheet, headers, mapping)[1]:
            return replace(raw, headers=headers, estimated_rows=raw.estimated_rows - 1, header_row=number)
    raw.rows = chain([first], raw.rows)
    return raw


def _below_headers(raw: RawSheet, mapping: ExportMapping, above: list[list]) -> RawSheet:
    """``raw``, its headers found (``above``: the rows over them), read as the export means its
    rows: units given outside the headers, cells merged down, a date and its time apart."""
    return _date_and_time(_filled_down(_with_units(raw, mapping, above), mapping), mapping)


def _with_units(raw: RawSheet, mapping: ExportMapping, above: list[list]) -> RawSheet:
    """``raw`` with the units its export gives outside the headers read into them: a row of
    units right below the headers (``（万元）`` under 执行标的, ``（件）`` under a count), which is
    not a row of data, and a note above them (``单位：万元``) for every money column that names no
    unit of its own.  A bare ``12.5`` there is 125,000.00 yuan, as under ``执行标的（万元）``; the
    header then reads so (``执行标的（万元）``), in problems too, and the sheet lists the columns
    (:attr:`RawSheet.units`) for the import's summary to say."""
    first = next(raw.rows, None)
    under: dict[int, str] = {}
    if first is not None and _units_row(first[1]):
        under = {i: _UNIT_CELL.match(c.strip())["unit"] for i, c in enumerate(first[1]) if not blank(c)}
        raw.estimated_rows -= 1
        raw.units_row = first[0]
    elif first is not None:
        raw.rows = chain([first], raw.rows)
    notes = [_UNIT_NOTE.search(plain(c)) for cells in above for c in _filled(cells) if isinstance(c, str)]
    note = next((found["unit"] for found in notes if found), None)
    headers = list(raw.headers)
    for name, at in map_headers(raw.sheet, headers, mapping)[0].items():
        header, unit = headers[at], under.get(at, note)
        if raw.sheet.column(name).parse is not parse_money or header_unit(header) is not None:
            continue
        if unit in MONEY_UNITS and MONEY_UNITS[unit] != 1:
            raw.units.append((str(header).strip(), unit))
            headers[at] = f"{str(header).strip()}（{unit}）"
    raw.headers = headers
    return raw


def _header_kind(header) -> str:
    """``date`` for a header that names a day (到账日期), ``time`` for one that names a time of
    day alone (到账时间), else ''."""
    words = plain(header)
    return "date" if "日期" in words else "time" if "时间" in words else ""


def _day_and_time(sheet: Sheet, column: str, one, other) -> bool:
    """Whether two headers of ``column`` are its date and its time of day, given apart."""
    kinds = sorted((_header_kind(one), _header_kind(other)))
    return sheet.column(column).parse is parse_datetime and kinds == ["date", "time"]


def _date_and_time(raw: RawSheet, mapping: ExportMapping) -> RawSheet:
    """``raw`` with a date and its time of day given in two columns (``到账日期`` and
    ``到账时间``, both names of arrived_at) read as one cell, ``2026-04-01 10:15``: many case
    systems export them so.  Two headers of one column otherwise stay a problem."""
    names = header_names(raw.sheet, mapping)
    seen: dict[str, list[int]] = {}
    for at, header in enumerate(raw.headers):
        column = _column_of(header, names)
        if column is not None:
            seen.setdefault(column, []).append(at)
    pairs = []  # (the date's position, the time's position)
    for column, places in seen.items():
        if len(places) == 2 and _day_and_time(raw.sheet, column, *(raw.headers[at] for at in places)):
            kinds = [_header_kind(raw.headers[at]) for at in places]
            pairs.append((places[kinds.index("date")], places[kinds.index("time")]))
    if not pairs:
        return raw
    headers = list(raw.headers)
    for _, at in pairs:
        headers[at] = None  # the time is read with its date
    raw.headers, rows = headers, raw.rows

    def joined() -> Iterator[tuple[int, list]]:
        for number, cells in rows:
            for day_at, time_at in pairs:
                clock = cells[time_at] if time_at < len(cells) else None
                day = cells[day_at] if day_at < len(cells) else None
                if not blank(clock):  # a time without its date is read as the cell, and refused by it
                    cells = list(cells)
                    cells[day_at] = _clock_text(clock) if blank(day) else _joined(day, clock)
            yield number, cells

    raw.rows = joined()
    return raw


def _joined(day, clock) -> object:
    """A date cell and a time cell as one text the date-time parser reads (the cells as they
    are if either is not what it should be: the parser then names the problem)."""
    try:
        when = _date(day)
    except CellError:
        return day
    return f"{when.isoformat()} {_clock_text(clock)}"


def _clock_text(clock) -> str:
    """A time-of-day cell as text: an Excel time cell (a time, or 1899-12-30 10:15), a time
    whose format was lost (a fraction of a day), or the text it holds."""
    if isinstance(clock, datetime):
        clock = clock.time()
    if isinstance(clock, time):
        return clock.isoformat(timespec="seconds")
    if isinstance(clock, float) and 0 <= clock < 1:
        seconds = round(clock * 86400)
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(clock).strip()


def _filled_down(raw: RawSheet, mapping: ExportMapping) -> RawSheet:
    """``raw`` with each cell merged down several rows of data read on every one of them, as
    the sheet shows it: a ledger that merges 承办部门 over its team's cases gives each case its
    team (read-only openpyxl gives the value to the first row alone, and the rows below, read
    as empty, would clear what the database has); so is a 案号 merged over a case's nodes.  The
    cell that alone names a row (a case's 案号, a fund's 款项编号…) is not repeated: one case over
    several rows is not several cases; those rows are noted (:attr:`RawSheet.continued`) for
    the importer to say so.  Ranges that begin in the headers (or their row of units) are theirs."""
    after = max(raw.header_row, raw.units_row)
    merges = [(column, first, last) for column, first, last in raw.merged if first > after]
    if not merges:
        return raw
    positions = map_headers(raw.sheet, raw.headers, mapping)[0]
    keys = {positions[k] for k in raw.sheet.key if k in positions} if len(raw.sheet.key) == 1 else set()
    starting: dict[int, list[tuple[int, int]]] = {}
    for column, first, last in merges:
        starting.setdefault(first, []).append((column, last))
    rows, continued = raw.rows, raw.continued

    def filled() -> Iterator[tuple[int, list]]:
        open_ranges: dict[int, tuple[int, int, object]] = {}  # column → (first row, last row, value)
        for number, cells in rows:
            for column, last in starting.get(number, ()):
                if column < len(cells) and not blank(cells[column]):
                    open_ranges[column] = (number, last, cells[column])
            for column, (first, last, value) in list(open_ranges.items()):
                if number > last:
                    del open_ranges[column]
                elif number > first and (column >= len(cells) or blank(cells[column])):
                    if column in keys:
                        continued[number] = first
                        continue
                    cells = cells + [None] * (column + 1 - len(cells)) if column >= len(cells) else cells
                    cells[column] = value
            yield number, cells

    raw.rows = filled()
    return raw


def _merged_down(ws) -> list[tuple[int, int, int]]:
    """The ranges of a workbook sheet merged over more than one row: (column index, first row,
    last row) of each, from the sheet's XML (its ``<mergeCell ref="C2:C4"/>`` come after the
    rows, and a read-only worksheet does not read them), one pass over it."""
    from openpyxl.utils.cell import range_boundaries

    refs: set[bytes] = set()
    tail = b""
    with ws._get_source() as source:
        while block := source.read(_BLOCK):
            data = tail + block
            refs.update(_MERGE_CELL.findall(data))
            tail = data[-128:]  # a tag cut between two blocks is whole in the next
    found = []
    for ref in refs:
        min_col, min_row, _, max_row = range_boundaries(ref.decode("ascii"))
        if max_row > min_row:
            found.append((min_col - 1, min_row, max_row))
    return sorted(found)


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3}\d+:[A-Z]{1,3}\d+)"')


def _units_row(cells: list) -> bool:
    """A row of units only (``（元）``, ``万元``, ``（件）``), at least one."""
    units = [_UNIT_CELL.match(c.strip()) if isinstance(c, str) else None for c in _filled(cells)]
    return bool(units) and all(u and u["unit"] in MONEY_UNITS.keys() | OTHER_UNITS for u in units)


def blank(cell) -> bool:
    """An empty cell: nothing, or only whitespace."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _filled(cells: list) -> list:
    return [c for c in cells if not blank(c)]


_AMOUNT_LIKE = re.compile(r"^[-+]?[\d,，.]+$")


def _label_row(cells: list) -> bool:
    """A row of labels (a title, a date line, a group of headers), never one of data: text
    only, and none of it a 案号, a date or a number."""
    for cell in _filled(cells):
        if not isinstance(cell, str):
            return False
        text = cell.strip()
        if _DATE.match(text) or _AMOUNT_LIKE.match(text):
            return False
        try:
            _case_no(text)
        except CellError:
            continue
        return False
    return True


def _two_row_header(sheet: Sheet, upper: list, lower: list, mapping: ExportMapping) -> list:
    """``lower`` as headers, each read with the group above it where that names a column the
    cell alone does not (``被执行人`` over ``姓名``: 被执行人姓名), and the headers of ``upper``
    merged over both rows where ``lower`` is empty (``案号`` beside the group); ``lower`` itself
    (the same list) when the two rows together name no more of the sheet's columns than either
    row alone.  A group is carried to the right over the empty cells a merged range leaves."""
    names = header_names(sheet, mapping)

    def known(text) -> bool:
        return any(k in names for k in _header_key(text))

    combined, group = [], ""
    for i in range(max(len(upper), len(lower))):
        top = upper[i] if i < len(upper) else None
        cell = lower[i] if i < len(lower) else None
        if not blank(top):
            group = str(top).strip()
        if blank(cell):
            combined.append(top if not blank(top) else None)
            continue
        text = str(cell).strip()
        combined.append(next((c for c in (group + text, text) if group and known(c)), text))
    named = len(map_headers(sheet, combined, mapping)[0])
    if named <= max(len(map_headers(sheet, row, mapping)[0]) for row in (upper, lower)):
        return lower
    return combined


def _shown(ignored: IgnoredSheet) -> str:
    """A sheet that is none of the product's, by name, with the one it may have been meant as."""
    if ignored.did_you_mean:
        return Reason(
            "did_you_mean_sheet", "{name} (did you mean {other}?)", name=ignored.name, other=ignored.did_you_mean
        )
    return ignored.name


#: what reading a damaged workbook raises (zip, deflate, XML, openpyxl): a problem with the file, named as such
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    IndexError,
    TypeError,
    SyntaxError,
)


def _not_a_workbook(path: Path) -> Reason | None:
    """Why the file cannot be an .xlsx workbook, from its first bytes (None: it may be one)."""
    try:
        with path.open("rb") as file:
            head = file.read(64)
    except OSError as exc:
        return _unreadable(exc.strerror or exc)
    if not head:
        return Reason("empty_file", "is an empty file (0 bytes), not an .xlsx workbook")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE2 compound file
        return Reason(
            "xls_workbook",
            "is an Excel 97-2003 (.xls) workbook or a password-protected one, not an .xlsx workbook: "
            "save it as an Excel Workbook (.xlsx) without a password",
        )
    if not zipfile.is_zipfile(path):
        if head.startswith(b"PK\x03\x04"):
            return Reason(
                "cut_short",
                "is a damaged .xlsx workbook (its zip archive is incomplete: was a download or a copy cut short?)",
            )
        start = " ".join(head.decode("utf-8", errors="ignore").split())[:30]
        shown = Reason("it_begins", " (it begins {start!r})", start=start) if start and start.isprintable() else ""
        return Reason(
            "not_zip",
            "is not an .xlsx workbook: not a zip archive{shown}, perhaps a text, CSV or web page file renamed .xlsx",
            shown=shown,
        )
    try:
        with zipfile.ZipFile(path) as archive:
            if "[Content_Types].xml" not in archive.namelist():
                return Reason(
                    "zip_not_xlsx", "is a zip archive but not an .xlsx workbook (it has no [Content_Types].xml)"
                )
    except _UNREADABLE as exc:
        return _damaged(exc)
    return None


def _unreadable(error, after: int | None = None) -> Reason:
    if after is None:
        return Reason("cannot_read", "cannot be read ({error})", error=str(error))
    return Reason("cannot_read_after", "cannot be read after row {row} ({error})", row=after, error=str(error))


def _damaged(exc: Exception) -> Reason:
    return Reason("damaged_xlsx", "is a damaged .xlsx workbook ({error})", error=f"{type(exc).__name__}: {exc}")


def _workbook(
    path: Path, problems: list[Problem], ignored: list[IgnoredSheet], mapping: ExportMapping
) -> list[RawSheet]:
    from openpyxl import load_workbook  # only when a workbook is read
    from openpyxl.chartsheet import Chartsheet
    from openpyxl.utils.exceptions import InvalidFileException

    wrong = _not_a_workbook(path)
    if wrong:
        raise FileProblem(Problem(str(path), 0, "", wrong))
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, *_UNREADABLE) as exc:
        raise FileProblem(
            Problem(
                str(path),
                0,
                "",
                Reason(
                    "not_readable_xlsx",
                    "cannot be read as an .xlsx workbook ({error})",
                    error=f"{type(exc).__name__}: {exc}",
                ),
            )
        ) from None
    found = []
    seen: dict[str, str] = {}  # the product's sheet → the title of the workbook's sheet read as it
    for title in book.sheetnames:
        sheet = sheet_named(title, mapping)
        ws = book[title]
        if sheet is None:
            ignored.append(_ignored(title, title, ws.sheet_state != "visible"))
            continue
        if ws.sheet_state != "visible":  # what the court's staff do not see is not imported behind their back
            how = (
                Reason("very_hidden", "very hidden (only the VBA editor can show it)")
                if ws.sheet_state == "veryHidden"
                else Reason("hidden", "hidden")
            )
            shown = Reason("sheet_hidden", "the sheet is {how}: show it if it is to be imported, or delete it", how=how)
            problems.append(Problem(title, 0, "", shown))
            continue
        if isinstance(ws, Chartsheet):
            problems.append(Problem(title, 0, "", Reason("chart", "is a chart, not a sheet of rows")))
            continue
        if sheet.name in seen:
            raise FileProblem(
                Problem(
                    title,
                    0,
                    "",
                    Reason(
                        "second_sheet",
                        "a second sheet for {sheet} (the first is {first}): the import reads one sheet of each;"
                        " put the rows of both in one sheet",
                        sheet=sheet.name,
                        first=seen[sheet.name],
                    ),
                )
            )
        seen[sheet.name] = title
        try:
            values = _sheet_rows(book, ws)
            first = next(values, None)
            estimated_rows = max((ws.max_row or 1) - 1, 0)
        except _UNREADABLE as exc:
            problems.append(Problem(title, 0, "", _unreadable(f"{type(exc).__name__}: {exc}")))
            continue
        if first is None:  # nothing in it at all, not even a header: nothing to read, and said
            ignored.append(IgnoredSheet(title, empty=True))
            continue
        if first is not None and first[0] == 1:
            headers, pending = first[1], []
        else:  # no row 1: no headers (every required column is missing)
            headers, pending = [], [first] if first else []

        def rows(values=values, pending=pending, title=title) -> Iterator[tuple[int, list]]:
            number = 1
            try:
                for number, row in chain(pending, values):
                    if not all(blank(v) for v in row):
                        yield number, row
            except _UNREADABLE as exc:
                raise FileProblem(
                    Problem(title, 0, "", _unreadable(f"{type(exc).__name__}: {exc}", after=number))
                ) from None

        try:
            merged = _merged_down(ws)
        except _UNREADABLE as exc:
            problems.append(Problem(title, 0, "", _unreadable(f"{type(exc).__name__}: {exc}")))
            continue
        found.append(RawSheet(sheet, title, headers, rows(), estimated_rows, merged=merged))
    return found


def _sheet_rows(book, ws) -> Iterator[tuple[int, list]]:
    """(row number, values) of each row the sheet's XML holds, as ``ws.iter_rows(values_only=True)``
    gives them, except that a formula cell without a saved value is an :class:`Uncomputed`, not None.

    openpyxl's data-only reading cannot tell that cell from an empty one, and reading the
    workbook a second time for its formulas would double the time of a big file.  So this runs
    the worksheet parser ``iter_rows`` runs itself (``openpyxl.worksheet._reader``, the same
    arguments) and looks at the XML of the cells that came out empty: one pass, as fast."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = Uncomputed(
                    element.findtext(FORMULA_TAG) or "…"
                )  # a shared formula: its text is elsewhere
            return cell

    with ws._get_source() as source:
        parser = Parser(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            values = [None] * max((cell["column"] for cell in cells), default=0)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values


def _csv_folder(
    folder: Path,
    problems: list[Problem],
    ignored: list[IgnoredSheet],
    mapping: ExportMapping,
    only: Path | None = None,
) -> list[RawSheet]:
    found = []
    seen: dict[str, Path] = {}
    files = [only] if only else sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")
    for file in files:
        sheet = sheet_named(file.stem, mapping)
        if sheet is None:
            ignored.append(_ignored(file.name, file.stem))
            continue
        if sheet.name in seen:
            raise FileProblem(
                Problem(
                    file.name,
                    0,
                    "",
                    Reason(
                        "second_file",
                        "a second file for the sheet {sheet} (also {other})",
                        sheet=sheet.name,
                        other=seen[sheet.name].name,
                    ),
                )
            )
        seen[sheet.name] = file
        try:
            encoding, lines = csv_encoding(file, sheet)
        except FileProblem as exc:
            problems.append(exc.problem)
            continue
        # read as it goes, a line at a time; newline="": a line break inside a quoted cell is the
        # cell's, and lines break at \n and \r only (not at \x0c, \x1c-\x1e, \x85 or U+2028)
        stream = file.open(encoding=encoding, newline="")
        # strict: a quote never closed is a problem, not the rest of the file read as one cell
        reader = csv.reader(stream, strict=True, delimiter=_delimiter(file, encoding))
        try:
            headers = next(reader, [])
        except csv.Error as exc:
            stream.close()
            problems.append(_csv_problem(file.name, 1, exc))
            continue
        if not any(cell.strip() for cell in headers) and lines <= 1:  # an empty file: nothing to read
            stream.close()
            ignored.append(IgnoredSheet(file.name, empty=True))
            continue

        def rows(reader=reader, stream=stream, name=file.name) -> Iterator[tuple[int, list]]:
            """Each record with its row as a spreadsheet opening the file numbers it (the header
            is row 1; a record whose quoted cell holds line breaks is one row), not the line
            where it ends."""
            number = 1
            try:
                while True:
                    begins = reader.line_num + 1
                    try:
                        row = next(reader)
                    except StopIteration:
                        return
                    except csv.Error as exc:
                        raise FileProblem(_csv_problem(name, begins, exc)) from None
                    number += 1
                    if not any(cell.strip() for cell in row):
                        continue
                    yield number, [_as_text(cell) if cell.strip() else None for cell in row]
            finally:
                stream.close()

        found.append(RawSheet(sheet, file.name, headers, rows(), max(lines - 1, 0)))
    return found


def _as_text(cell: str) -> str:
    """A csv cell as the spreadsheet shows it: ``="150425199001011234"`` (how exports keep an ID
    or account number as text when Excel opens the file) is the text inside."""
    if cell.startswith('="') and cell.endswith('"') and len(cell) >= 3:
        return cell[2:-1]
    return cell


def _csv_problem(name: str, line: int, exc: csv.Error) -> Problem:
    """A csv line the reader cannot split, named by the line it begins on."""
    if "unexpected end of data" in str(exc):  # a quote opened and never closed
        return Problem(
            name,
            line,
            "",
            Reason(
                "csv_open_quote",
                "a quoted cell begins on this line and its closing quote never comes: "
                "the rest of the file would be read as one cell",
            ),
        )
    return Problem(name, line, "", Reason("bad_csv_line", "not a valid CSV line ({error})", error=str(exc)))


_UTF8_BOM = b"\xef\xbb\xbf"
#: decoded with errors="surrogateescape", a byte that is not UTF-8 is one of these
_NOT_UTF8 = "\udc80-\udcff"
#: a line that is all UTF-8 and has Chinese in it (GBK read as UTF-8 is seldom valid, and then
#: mostly U+0080-U+07FF: "中" is D6 D0, which is also UTF-8 for U+0590)
_UTF8_LINE = re.compile(f"^[^\\n{_NOT_UTF8}]*[\u3000-\u9fff\uff00-\uffef][^\\n{_NOT_UTF8}]*$", re.M)
#: a line with a byte that is not UTF-8
_NOT_UTF8_LINE = re.compile(f"^[^\\n]*[{_NOT_UTF8}][^\\n]*$", re.M)


#: bytes read at a time while a csv file's encoding is checked
_BLOCK = 1 << 20


#: what separates a csv file's cells: commas, or tabs (Excel's 'Unicode text', WPS) or semicolons
_DELIMITERS = (",", "\t", ";")


def _delimiter(file: Path, encoding: str) -> str:
    """The character that separates the cells of ``file``: the one of :data:`_DELIMITERS` its
    first lines hold most often (a comma unless the file has none of them)."""
    with file.open(encoding=encoding, newline="") as stream:
        head = "".join(islice(stream, 20))
    counts = {d: head.count(d) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: (counts[d], d == ","))


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _utf16(file: Path) -> tuple[str, int]:
    """A csv file that begins with a UTF-16 BOM (Excel's and WPS's 'Unicode text'): read as
    UTF-16 if it is, else refused as a damaged one."""
    newlines = 0
    decoder = codecs.getincrementaldecoder("utf-16")()
    try:
        with file.open("rb") as stream:
            while block := stream.read(_BLOCK):
                newlines += decoder.decode(block).count("\n")
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise FileProblem(
            Problem(
                file.name,
                newlines + 1,
                "",
                Reason(
                    "not_utf16",
                    "begins as UTF-16 text (Unicode text) but is not: {error}; save it again as CSV UTF-8",
                    error=exc.reason,
                ),
            )
        ) from None
    return "utf-16", newlines


def csv_encoding(file: Path, sheet: Sheet | None = None) -> tuple[str, int]:
    """The encoding to read a csv file in (``utf-16`` after its BOM, else ``utf-8-sig`` or
    ``gb18030``, as :func:`decode_csv` decides it) and its number of line breaks, from a pass
    over its bytes a block at a time: the file is not held in memory.  A file
    :func:`decode_csv` refuses is refused with its words."""
    newlines = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        with file.open("rb") as stream:
            if stream.read(2) in _UTF16_BOMS:
                return _utf16(file)
        with file.open("rb") as stream:
            while block := stream.read(_BLOCK):
                newlines += block.count(b"\n")
                utf8.decode(block)
            utf8.decode(b"", final=True)
        return "utf-8-sig", newlines  # a BOM is dropped, as decode_csv drops it
    except UnicodeDecodeError:
        pass
    except OSError as exc:
        raise FileProblem(Problem(file.name, 0, "", _unreadable(exc.strerror or exc))) from None
    with file.open("rb") as stream:  # GBK if no line is UTF-8 with Chinese in it and there is no BOM
        first = True
        for line in stream:
            if first and line.startswith(_UTF8_BOM) or _UTF8_LINE.search(line.decode("utf-8", "surrogateescape")):
                decode_csv(file, sheet)  # raises: two encodings in one file
            first = False
    gbk = codecs.getincrementaldecoder("gb18030")()
    try:
        with file.open("rb") as stream:
            while block := stream.read(_BLOCK):
                gbk.decode(block)
            gbk.decode(b"", final=True)
    except UnicodeDecodeError:
        decode_csv(file, sheet)  # raises: neither UTF-8 nor GBK, naming the line
        raise
    return "gb18030", newlines


def decode_csv(file: Path, sheet: Sheet | None = None) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK); else a problem naming the
    line, the column and the bytes.  A file that is UTF-8 in some lines and not in others (two
    exports pasted together) is refused as such, not read as GBK and its UTF-8 lines garbled."""
    data = file.read_bytes()
    bom = data.startswith(_UTF8_BOM)
    body = data[len(_UTF8_BOM) :] if bom else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="surrogateescape")
    utf8_line = _UTF8_LINE.search(text)
    if not bom and utf8_line is None:  # no line is UTF-8: GBK, or neither
        try:
            return body.decode("gb18030")
        except UnicodeDecodeError as exc:
            line, column, where = _csv_position(body, exc.start, sheet)
            raise FileProblem(
                Problem(
                    file.name,
                    line,
                    column,
                    Reason(
                        "not_utf8_gbk",
                        "neither UTF-8 nor GBK text: {where}; save it as CSV UTF-8 or CSV (GBK)",
                        where=where,
                    ),
                )
            ) from None
    bad_lines = list(_NOT_UTF8_LINE.finditer(text))
    first_bad = bad_lines[0].start() + re.search(f"[{_NOT_UTF8}]", bad_lines[0][0]).start()
    at = len(text[:first_bad].encode("utf-8", errors="surrogateescape"))  # in bytes
    line, column, where = _csv_position(body, at, sheet)
    utf8 = (
        Reason("utf8_bom", "it begins with a UTF-8 BOM")
        if utf8_line is None
        else Reason("utf8_line", "line {line} is UTF-8", line=text.count(chr(10), 0, utf8_line.start()) + 1)
    )
    count = Reason("lines_not", " ({count} lines in all are not)", count=len(bad_lines)) if len(bad_lines) > 1 else ""
    raise FileProblem(
        Problem(
            file.name,
            line,
            column,
            Reason(
                "two_encodings",
                "the file mixes two encodings: {utf8} but line {line} is not{count}: {where}; "
                "save it again as CSV UTF-8",
                utf8=utf8,
                line=line,
                count=count,
                where=where,
            ),
        )
    )


def _csv_position(body: bytes, at: int, sheet: Sheet | None) -> tuple[int, str, Reason]:
    """Where byte ``at`` of a csv file is: its line, its column's name ('' if not an interchange
    column), and in words: the column and the bytes there (as GBK, if they read as GBK).

    The csv structure (commas, quotes, line ends) is ASCII, and GBK's second bytes are never
    one of those characters, so Latin-1 splits the fields right whatever the encoding."""
    line = body.count(b"\n", 0, at) + 1
    start = body.rfind(b"\n", 0, at) + 1
    end = body.find(b"\n", at)
    raw = body[start : end if end >= 0 else len(body)].rstrip(b"\r")
    header_end = body.find(b"\n")
    header = body[: header_end if header_end >= 0 else len(body)].rstrip(b"\r")
    try:
        header_text = header.decode("utf-8")
    except UnicodeDecodeError:
        header_text = header.decode("gb18030", errors="replace")
    counts = {d: header_text.count(d) + raw.count(d.encode()) for d in _DELIMITERS}
    delimiter = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    fields = _fields(raw.decode("latin-1"), delimiter)
    index = max(len(_fields(raw[: at - start].decode("latin-1"), delimiter) or [""]) - 1, 0)
    headers = _fields(header_text, delimiter)
    name = ""
    if sheet is not None:
        positions, _ = map_headers(sheet, headers)
        name = next((column for column, position in positions.items() if position == index), "")
    header = f" ({headers[index].strip()})" if index < len(headers) and headers[index].strip() else ""
    run = re.match(rb"[\x80-\xff]{1,8}", body[at:])
    cell = fields[index].encode("latin-1") if index < len(fields) else b""
    try:
        as_gbk = cell.decode("gb18030").strip()
    except UnicodeDecodeError:
        as_gbk = ""
    reads = (
        Reason(
            "reads_as_gbk", " (the cell reads {text!r} as GBK)", text=as_gbk if len(as_gbk) <= 30 else as_gbk[:29] + "…"
        )
        if as_gbk
        else ""
    )
    where = Reason(
        "bytes_at",
        "column {index}{header} has the bytes {bytes}{reads}",
        index=index + 1,
        header=header,
        bytes=(run[0] if run else body[at : at + 1]).hex(" "),
        reads=reads,
    )
    return line, name, where


def _fields(line: str, delimiter: str) -> list[str]:
    """One csv line's cells, for a message: split at ``delimiter`` if the csv reader cannot
    (a stray line break or quote in a damaged line)."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


# -- the template --------------------------------------------------------------------------------


def write_template(path: Path, mapping: ExportMapping = NO_MAPPING) -> None:
    """An empty workbook with every sheet, its headers (Chinese and English) and one example row;
    with a court's ``mapping``, its sheet names and headers are the court's (and it imports as it is)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(mapping.sheet_title(sheet))
        headers = [mapping.header(sheet, c) for c in sheet.columns]
        ws.append(headers)
        ws.append([c.example for c in sheet.columns])
        for cell, column in zip(ws[1], sheet.columns, strict=True):
            cell.font = Font(bold=True, color="C00000" if column.required else "000000")
            if column.required:
                cell.comment = Comment(f"必填 required ({column.name})", "command-center")
        for index, header in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(1, index).column_letter].width = max(14, len(header) * 2 + 4)
        ws.freeze_panes = "A2"
    book.save(path)
