"""A court's import mapping file: its export in its own words, named once (README, "Import").

```toml
[sheets]                 # the product's sheet = the court's sheet name (or csv file stem), or a list
cases = "执行案件信息"
funds = ["案款明细", "到账登记"]
[columns.cases]          # the product's column = the court's header, or a list of headers
case_no = "执行案号"
filed_on = ["收案日期", "立案时间"]
[values.case_type]       # the court's word = the product's (a type word, a closing mode, an asset kind)
"执行实施" = "执"
```

Everything in the file is checked before anything is imported: an unknown sheet, column or
word is refused with the file, the key and the names it could have used.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

from command_center.data.catalogue import ASSET_KINDS, CLOSING_MODES
from command_center.data.interchange import (
    CASE_TYPES,
    SHEETS,
    ExportMapping,
    Reason,
    header_names,
    plain,
)

#: the columns whose words a court may map, and the words they may be mapped to
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "case_type": tuple(sorted(CASE_TYPES, key=len)),
    "closing_mode": CLOSING_MODES,
    "kind": ASSET_KINDS,
}
_SHEETS = {s.name: s for s in SHEETS}


class MappingError(ValueError):
    """A mapping file that cannot be used: ``problems`` names each key at fault (each a
    :class:`~.interchange.Reason`, said in the command line's language by ``labels.import_reason``)."""

    def __init__(self, path: Path, problems: list[Reason]):
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def _known(name: str, known) -> Reason:
    known = ", ".join(known)
    close = difflib.get_close_matches(name, known.split(", "), n=1, cutoff=0.5)
    if close:
        return Reason("mapping_known_close", "did you mean {close}? known: {known}", close=close[0], known=known)
    return Reason("mapping_known", "known: {known}", known=known)


def _names(value, where: str, problems: list[Reason]) -> tuple[str, ...]:
    """A string or a list of strings, each non-empty."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else None
    if items is None or not items or not all(isinstance(i, str) and i.strip() for i in items):
        problems.append(
            Reason(
                "mapping_not_names",
                "{where}: must be a name in quotes, or a list of them (not {value})",
                where=where,
                value=repr(value),
            )
        )
        return ()
    return tuple(i.strip() for i in items)


def load_mapping(path: Path) -> ExportMapping:
    """Read and check a mapping file; raises :class:`MappingError` naming every key at fault."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise MappingError(path, [Reason("mapping_no_file", "no such file")]) from None
    except OSError as exc:
        raise MappingError(
            path, [Reason("mapping_unreadable", "cannot be read ({why})", why=exc.strerror or exc)]
        ) from None
    except UnicodeDecodeError:
        raise MappingError(path, [Reason("mapping_not_utf8", "is not UTF-8 text: save it as UTF-8")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(path, [Reason("mapping_not_toml", "is not valid TOML: {why}", why=str(exc))]) from None
    problems: list[Reason] = []
    for key in doc:
        if key not in ("sheets", "columns", "values"):
            problems.append(
                Reason(
                    "mapping_not_section",
                    "[{key}]: not a section of a mapping file ({known})",
                    key=key,
                    known=_known(key, ("sheets", "columns", "values")),
                )
            )
    sheets = _sheets(doc.get("sheets", {}), problems)
    columns = _columns(doc.get("columns", {}), problems)
    values = _values(doc.get("values", {}), problems)
    if problems:
        raise MappingError(path, problems)
    return ExportMapping(str(path), sheets, columns, values)


def _table(value, where: str, problems: list[Reason]) -> dict:
    if not isinstance(value, dict):
        problems.append(
            Reason(
                "mapping_not_table", "{where}: must be a table ([{where}] followed by key = value lines)", where=where
            )
        )
        return {}
    return value


def _also_given(where: str, name: str, other: str) -> Reason:
    return Reason(
        "mapping_also_given", "{where}: {name} is also given for {other}", where=where, name=repr(name), other=other
    )


def _not_a_sheet(where: str, name: str) -> Reason:
    return Reason("mapping_not_sheet", "{where}: not a sheet ({known})", where=where, known=_known(name, _SHEETS))


def _sheets(table, problems: list[Reason]) -> dict[str, tuple[str, ...]]:
    sheets: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for name, value in _table(table, "sheets", problems).items():
        if name not in _SHEETS:
            problems.append(_not_a_sheet(f"[sheets] {name}", name))
            continue
        sheets[name] = _names(value, f"[sheets] {name}", problems)
        for title in sheets[name]:
            other = owner.setdefault(plain(title), name)
            if other != name:
                problems.append(_also_given(f"[sheets] {name}", title, other))
    return sheets


def _columns(table, problems: list[Reason]) -> dict[tuple[str, str], tuple[str, ...]]:
    columns: dict[tuple[str, str], tuple[str, ...]] = {}
    for sheet_name, entries in _table(table, "columns", problems).items():
        sheet = _SHEETS.get(sheet_name)
        if sheet is None:
            problems.append(_not_a_sheet(f"[columns.{sheet_name}]", sheet_name))
            continue
        known = [c.name for c in sheet.columns]
        owner: dict[str, str] = {}
        for column, value in _table(entries, f"columns.{sheet_name}", problems).items():
            if column not in known:
                problems.append(
                    Reason(
                        "mapping_not_column",
                        "{where}: not a column of {sheet} ({known})",
                        where=f"[columns.{sheet_name}] {column}",
                        sheet=sheet_name,
                        known=_known(column, known),
                    )
                )
                continue
            headers = _names(value, f"[columns.{sheet_name}] {column}", problems)
            columns[(sheet_name, column)] = headers
            for header in headers:
                other = owner.setdefault(plain(header), column)
                if other != column:
                    problems.append(_also_given(f"[columns.{sheet_name}] {column}", header, other))
        # a court's header that is the product's name for another column would hide that column
        builtin = header_names(sheet)
        for (name, column), headers in columns.items():
            for header in headers if name == sheet_name else ():
                stands_for = builtin.get(plain(header))
                if stands_for not in (None, column) and (sheet_name, stands_for) not in columns:
                    problems.append(
                        Reason(
                            "mapping_hides_column",
                            "{where}: {header} is the product's header for {other}; "
                            "name {other}'s own header in the file too",
                            where=f"[columns.{sheet_name}] {column}",
                            header=repr(header),
                            other=stands_for,
                        )
                    )
    return columns


def _values(table, problems: list[Reason]) -> dict[str, dict[str, str]]:
    values: dict[str, dict[str, str]] = {}
    for column, words in _table(table, "values", problems).items():
        allowed = VOCABULARIES.get(column)
        if allowed is None:
            problems.append(
                Reason(
                    "mapping_no_words",
                    "{where}: words can be mapped for {columns} only",
                    where=f"[values.{column}]",
                    columns=", ".join(VOCABULARIES),
                )
            )
            continue
        mapped: dict[str, str] = {}
        for word, value in _table(words, f"values.{column}", problems).items():
            if not isinstance(value, str) or value.strip() not in allowed:
                close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.5)
                where, words = f"[values.{column}] {word!r} = {value!r}", "、".join(allowed)
                if close:
                    problems.append(
                        Reason(
                            "mapping_not_word_close",
                            "{where}: not one of {words} (did you mean {close}?)",
                            where=where,
                            words=words,
                            close=close[0],
                        )
                    )
                else:
                    problems.append(Reason("mapping_not_word", "{where}: not one of {words}", where=where, words=words))
                continue
            mapped[word] = value.strip()
        values[column] = mapped
    return values
