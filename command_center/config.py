"""Settings: command-line options, then ``COMMAND_CENTER_*`` variables, then the TOML file.

Unknown keys in the file and unknown ``COMMAND_CENTER_*`` variables are errors that name the
key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from decimal import Decimal
from pathlib import Path

import platformdirs

from command_center.data.engine import DatabaseError, backend_name, default_db_url, parse_url
from command_center.data.triage import TRACKS, TriageRules

ENV_PREFIX = "COMMAND_CENTER_"
LANGS = ("zh", "en")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    db: str
    #: the read database: a PostgreSQL streaming standby of ``db`` that the read-only screens and
    #: commands read (the wall, the overview's figures, the brief, ``indicators``, ``alerts``);
    #: None: they read ``db``.  Actions, logins, the scheduler and the import always write ``db``
    read_db: str | None = None
    lang: str = "zh"
    court_name: str = "示范人民法院"
    catalogue: Path | None = None
    calendar_overrides: Path | None = None
    #: the court's import mapping file (its sheet names, headers and words; README "Import")
    import_mapping: Path | None = None
    #: notifications: ``log`` (append JSON lines to ``notify_log``), ``http`` (POST to
    #: ``notify_url``, an SMS gateway) or ``command`` (pipe each message to ``notify_command``)
    notify_sender: str = "log"
    notify_log: Path | None = None
    notify_url: str | None = None
    notify_command: str | None = None
    #: scheduler: recompute and outbox intervals, and the lease that makes one scheduler active
    recompute_seconds: int = 60
    dispatch_seconds: int = 30
    lease_seconds: int = 30
    #: the night hours in which only escalations are sent, ``"22:00-07:00"`` (local time; none
    #: by default); statutory rest days hold all but urgent messages anyway
    quiet_hours: str | None = None
    #: working days an alert may stay unacknowledged (or its tier response late) before it
    #: climbs to the team leader, and as many again to the bureau chief
    escalate_after_workdays: int = 2
    #: the wall display's refresh interval
    wall_seconds: int = 10
    #: where the wall reads the database: ``process`` (a reader process of its own, so the
    #: reads never wait for the screen's rendering) or ``thread`` (a worker thread)
    wall_reader: str = "process"
    #: where ``command-center serve`` serves the wall to browsers, ``host:port`` (``0.0.0.0:8000``
    #: for every interface; the default, this machine only)
    serve_address: str = "127.0.0.1:8000"
    #: 提级解锁: the court codes whose unlock requests a chief of a higher court decides (a code
    #: covers the courts whose codes begin with it: ``["内04"]`` sends every basic court of 赤峰
    #: up to a chief whose court code is a shorter prefix, the 中院's ``内04`` or the province's)
    unlock_by_parent: tuple[str, ...] = ()
    #: the morning brief's targets by indicator key (``[targets]`` in the config file)
    targets: Mapping[str, Decimal] = field(default_factory=dict)
    #: triage (繁简分流) thresholds and the team of each track (``[triage]`` in the config file)
    triage: TriageRules = field(default_factory=TriageRules)
    #: a court's own settings by court code (``[courts."内0425"]``): its catalogue and targets,
    #: each falling back to the nearest covering code's, then to the settings above
    courts: Mapping[str, CourtSettings] = field(default_factory=dict)
    config_path: Path | None = None

    def court_targets(self, code: str | None) -> dict[str, Decimal]:
        """The targets of the courts of ``code`` (None: every court, ``[targets]``): key by key,
        the longest configured code that covers it and sets the key, else ``[targets]``.  So
        ``[courts."内04".targets]`` is the 中院's and every court below that sets none itself."""
        targets = dict(self.targets)
        for own in self._covering(code):
            targets.update(own.targets)
        return targets

    def court_catalogue(self, code: str | None) -> Path | None:
        """The catalogue file of the courts of ``code``: the longest configured code covering it
        that names one, else ``catalogue`` (None: the reference catalogue)."""
        path = self.catalogue
        for own in self._covering(code):
            path = own.catalogue or path
        return path

    def _covering(self, code: str | None) -> list[CourtSettings]:
        """The ``[courts]`` tables whose code covers ``code`` (is a prefix of it), shortest first."""
        if not code:
            return []
        return [self.courts[c] for c in sorted(self.courts, key=len) if code.startswith(c)]

    def quiet(self) -> tuple[time, time] | None:
        """The quiet hours as (start, end), or None."""
        return parse_quiet_hours(self.quiet_hours) if self.quiet_hours else None

    def notify_log_path(self) -> Path:
        return (
            self.notify_log or Path(platformdirs.user_data_dir("command-center", appauthor=False)) / "notifications.log"
        )


@dataclass(frozen=True)
class CourtSettings:
    """``[courts."CODE"]``: what a court (and the courts its code covers) sets for itself."""

    catalogue: Path | None = None
    targets: Mapping[str, Decimal] = field(default_factory=dict)


_FILE_KEYS = {f.name for f in fields(Settings)} - {"config_path"}
_PATH_KEYS = {"catalogue", "calendar_overrides", "notify_log", "import_mapping"}
_INT_KEYS = {
    "recompute_seconds": (5, 86400),
    "dispatch_seconds": (1, 86400),
    "lease_seconds": (3, 3600),
    "wall_seconds": (1, 3600),
    "escalate_after_workdays": (1, 60),
}
SENDERS = ("log", "http", "command")
READERS = ("process", "thread")
#: Variables that are not settings but are read by the program or its scripts.
_OTHER_ENV = {
    "CONFIG",
    "DEBUG",
    "TEST_PG_URL",
    "PASSWORD",  # `user add|passwd` in scripts
    "FUTURE_NOW",  # a writing command as of a day after the clock (cli/group.py)
    "TEST_HUNG_SECONDS",  # the tests' watchdog (tests/conftest.py)
}


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8000`` for an IPv6 host) as its host and port."""
    host, _, port = address.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"serve_address must be host:port, such as 0.0.0.0:8000, not {address!r}")
    return host, int(port)


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("command-center", appauthor=False)) / "config.toml"


def _read_file(path: Path) -> dict[str, object]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(doc) - _FILE_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_FILE_KEYS))})")
    values: dict[str, object] = {}
    if "targets" in doc:
        values["targets"] = _targets(path, doc.pop("targets"))
    if "triage" in doc:
        values["triage"] = _triage(path, doc.pop("triage"))
    if "courts" in doc:
        values["courts"] = _courts(path, doc.pop("courts"))
    if "unlock_by_parent" in doc:
        values["unlock_by_parent"] = _codes(f"{path}: unlock_by_parent", doc.pop("unlock_by_parent"))
    for key, value in doc.items():
        if key in _INT_KEYS and isinstance(value, int) and not isinstance(value, bool):
            values[key] = value
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be {'a whole number' if key in _INT_KEYS else 'a string'}")
        values[key] = (path.parent / value).expanduser() if key in _PATH_KEYS else value
    return values


def _targets(path: Path, table: object, where: str = "[targets]") -> dict[str, Decimal]:
    from command_center.data.brief import SPEC

    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table (one number per indicator)")
    targets = {}
    for key, value in table.items():
        if key not in SPEC:
            raise ConfigError(f"{path}: {where} {key!r} is not an indicator (known: {', '.join(SPEC)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{path}: {where} {key} must be a number, not {value!r}")
        targets[key] = Decimal(str(value))
    return targets


_COURT_KEYS = ("catalogue", "targets")


def _courts(path: Path, table: object) -> dict[str, CourtSettings]:
    """``[courts."内0425"]`` tables: a court code (as in its 案号, or a shorter code that covers
    several courts) and its ``catalogue`` (a file, relative to the config file) and ``targets``."""
    if not isinstance(table, dict):
        raise ConfigError(f'{path}: courts must be tables of court codes ([courts."内0425"] …)')
    courts = {}
    for code, own in table.items():
        where = f'[courts."{code}"]'
        if not code.strip() or len(code) > 16 or code != code.strip():
            raise ConfigError(f"{path}: {where} is not a court code such as 内0425 or 内04")
        if not isinstance(own, dict):
            raise ConfigError(f"{path}: {where} must be a table with {' and/or '.join(_COURT_KEYS)}")
        unknown = sorted(set(own) - set(_COURT_KEYS))
        if unknown:
            raise ConfigError(f"{path}: {where} unknown key {unknown[0]!r} (known: {', '.join(_COURT_KEYS)})")
        catalogue = own.get("catalogue")
        if catalogue is not None and (not isinstance(catalogue, str) or not catalogue.strip()):
            raise ConfigError(f"{path}: {where} catalogue must be a file name, not {catalogue!r}")
        courts[code] = CourtSettings(
            catalogue=(path.parent / catalogue).expanduser() if catalogue else None,
            targets=_targets(path, own["targets"], f"{where[:-1]}.targets]") if "targets" in own else {},
        )
    return courts


_TRIAGE_KEYS = ("simple_max_amount", "many_debtors", "disposal_kinds", "teams")


def _triage(path: Path, table: object) -> TriageRules:
    """``[triage]``: every key optional (the defaults are 登封's); unknown keys and bad values
    are errors that name them."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: triage must be a table ([triage] with {', '.join(_TRIAGE_KEYS)})")
    unknown = sorted(set(table) - set(_TRIAGE_KEYS))
    if unknown:
        raise ConfigError(f"{path}: [triage] unknown key {unknown[0]!r} (known: {', '.join(_TRIAGE_KEYS)})")
    values: dict[str, object] = {}
    if "simple_max_amount" in table:
        value = table["simple_max_amount"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"{path}: [triage] simple_max_amount must be an amount in yuan (>= 0), not {value!r}")
        amount = Decimal(str(value))
        if amount != amount.quantize(Decimal("0.01")):
            raise ConfigError(f"{path}: [triage] simple_max_amount has more than 2 decimal places: {value!r}")
        values["simple_max_amount"] = amount
    if "many_debtors" in table:
        value = table["many_debtors"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{path}: [triage] many_debtors must be a whole number >= 1, not {value!r}")
        values["many_debtors"] = value
    if "disposal_kinds" in table:
        value = table["disposal_kinds"]
        if not isinstance(value, list) or not all(isinstance(k, str) and k.strip() for k in value):
            raise ConfigError(f"{path}: [triage] disposal_kinds must be a list of asset kinds, e.g. ['车辆', '不动产']")
        values["disposal_kinds"] = tuple(k.strip() for k in value)
    if "teams" in table:
        teams = table["teams"]
        if not isinstance(teams, dict):
            raise ConfigError(f"{path}: [triage.teams] must be a table of track = team name")
        for key, name in teams.items():
            if key not in TRACKS:
                raise ConfigError(f"{path}: [triage.teams] {key!r} is not a track (known: {', '.join(TRACKS)})")
            if not isinstance(name, str) or not name.strip():
                raise ConfigError(f"{path}: [triage.teams] {key} must be a team name, not {name!r}")
        values["teams"] = {key: name.strip() for key, name in teams.items()}
    return TriageRules(**values)  # type: ignore[arg-type]


def _codes(where: str, value: object) -> tuple[str, ...]:
    """Court codes: a list of them in the file, comma-separated in the environment."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(c, str) and 0 < len(c.strip()) <= 16 for c in items):
        raise ConfigError(f"{where} must be a list of court codes such as ['内04'], not {value!r}")
    return tuple(c.strip() for c in items)


def _unit(key: str) -> str:
    return "working days" if key.endswith("_workdays") else "seconds"


def parse_quiet_hours(text: str) -> tuple[time, time]:
    """``"22:00-07:00"`` → (22:00, 07:00); anything else is refused, naming the setting."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ConfigError(f"quiet_hours must be HH:MM-HH:MM, such as 22:00-07:00, not {text!r}") from None
    if start == end:
        raise ConfigError(f"quiet_hours {text!r}: start and end are the same time")
    return start, end


def _check_read_db(read_db: str, db: str) -> None:
    """``read_db`` must be a PostgreSQL URL, beside a PostgreSQL ``db`` (its primary)."""
    try:
        parse_url(read_db)
    except DatabaseError as exc:
        raise ConfigError(f"read_db: {exc}") from None
    if backend_name(read_db) != "postgresql":
        raise ConfigError(
            "read_db must be a PostgreSQL URL (a streaming standby of db, postgresql://user@standby/db), "
            f"not {read_db.split(':', 1)[0]!r}"
        )
    if backend_name(db) != "postgresql":
        raise ConfigError(
            "read_db is a standby of a PostgreSQL db: db is not PostgreSQL (an SQLite file has no standby)"
        )


def load_settings(options: Mapping[str, object | None], environ: Mapping[str, str] | None = None) -> Settings:
    """Merge command-line ``options`` over the environment over the config file."""
    environ = os.environ if environ is None else environ
    env: dict[str, object] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key.upper() in _OTHER_ENV:
            continue
        if key not in _FILE_KEYS or key in ("targets", "triage", "courts"):
            raise ConfigError(
                f"unknown environment variable {name} "
                f"(known: {', '.join(ENV_PREFIX + k.upper() for k in sorted(_FILE_KEYS))})"
            )
        if key == "unlock_by_parent":
            env[key] = _codes(name, value)
            continue
        env[key] = Path(value).expanduser() if key in _PATH_KEYS else value

    config_option = options.get("config_path") or environ.get(ENV_PREFIX + "CONFIG")
    config_path = Path(config_option).expanduser() if config_option else None
    if config_path is None and default_config_path().is_file():
        config_path = default_config_path()
    file_values = _read_file(config_path) if config_path else {}

    merged: dict[str, object] = {"db": default_db_url()}
    merged.update(file_values)
    merged.update(env)
    merged.update(
        {k: (Path(v) if k in _PATH_KEYS else v) for k, v in options.items() if v is not None and k != "config_path"}
    )
    merged.setdefault("lang", "zh")
    if merged["lang"] not in LANGS:
        raise ConfigError(f"lang must be one of {', '.join(LANGS)}, not {merged['lang']!r}")
    if merged.get("notify_sender", "log") not in SENDERS:
        raise ConfigError(f"notify_sender must be one of {', '.join(SENDERS)}, not {merged['notify_sender']!r}")
    if merged.get("notify_sender") == "http" and not merged.get("notify_url"):
        raise ConfigError("notify_sender = http needs notify_url (the SMS gateway's URL)")
    if merged.get("notify_sender") == "command" and not merged.get("notify_command"):
        raise ConfigError("notify_sender = command needs notify_command (the program to pipe messages to)")
    if not merged.get("read_db"):
        merged.pop("read_db", None)  # an empty COMMAND_CENTER_READ_DB: no read database
    else:
        _check_read_db(str(merged["read_db"]), str(merged["db"]))
    if merged.get("wall_reader", "process") not in READERS:
        raise ConfigError(f"wall_reader must be one of {', '.join(READERS)}, not {merged['wall_reader']!r}")
    if merged.get("quiet_hours"):
        parse_quiet_hours(str(merged["quiet_hours"]))
    if "serve_address" in merged:
        split_address(str(merged["serve_address"]))
    for key, (low, high) in _INT_KEYS.items():
        if key in merged:
            try:
                number = int(merged[key])  # type: ignore[call-overload]
            except (TypeError, ValueError):
                raise ConfigError(f"{key} must be a whole number of {_unit(key)}, not {merged[key]!r}") from None
            if not low <= number <= high:
                raise ConfigError(f"{key} must be between {low} and {high} {_unit(key)}, not {number}")
            merged[key] = number
    return Settings(config_path=config_path, **merged)  # type: ignore[arg-type]
