"""What every command and screen shares: settings, clock, catalogues, calendar, database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from command_center.clock import Clock
from command_center.config import Settings
from command_center.data.catalogue import Catalogue, CatalogueError, load_catalogue
from command_center.data.engine import Database, open_database
from command_center.data.rules import Rules
from command_center.data.workcal import WorkCalendar, load_calendar

log = logging.getLogger("command_center.catalogue")


def load_catalogues(settings: Settings) -> Catalogue:
    """The default catalogue (``catalogue``, else the reference) carrying each court's own: the
    file of every ``[courts."CODE"]`` that names one, resolved as ``Settings.court_catalogue``
    does.  Each file is loaded (and its notes logged) once, however many codes name it; a
    broken one is refused naming the file, its lines and fields, and the table that named it."""
    loaded: dict[Path | None, Catalogue] = {}

    def load(path: Path | None, where: str = "") -> Catalogue:
        key = path.resolve() if path is not None else None
        if key not in loaded:
            try:
                loaded[key] = load_catalogue(path)
            except CatalogueError as exc:
                raise exc.named_by(where) if where else exc from None
            for note in loaded[key].notes:
                log.warning("%s", note)
        return loaded[key]

    default = load(settings.catalogue)
    own = {
        code: load(settings.court_catalogue(code), f'[courts."{code}"]')
        for code, court in settings.courts.items()
        if court.catalogue is not None
    }
    return default.with_courts(own)


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    #: the default catalogue, carrying the courts' own (:meth:`court_catalogue`)
    catalogue: Catalogue
    calendar: WorkCalendar
    #: whether opening a missing SQLite database creates it.  The command line creates only
    #: the default database (in the user data directory) on first use: one named by ``--db``,
    #: the environment or the config file is created only by the commands that fill it
    #: (``demo``, ``import``, ``db upgrade``), so a mistyped name is an error, not a new database
    creates_database: bool = True
    #: ``--court CODE``: the court code whose courts the reads are limited to (None: every court)
    court: str | None = None
    _database: Database | None = field(default=None, repr=False)
    _read_database: Database | None = field(default=None, repr=False)
    _courts: frozenset[int] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, settings: Settings, clock: Clock | None = None) -> Runtime:
        """Load and validate the catalogue, every court's own (``[courts."CODE"] catalogue``)
        and the calendar overrides (errors name file, line, field); what loading a catalogue
        assumed (an older file) is logged once, as a warning."""
        return cls(
            settings=settings,
            clock=clock or Clock(),
            catalogue=load_catalogues(settings),
            calendar=load_calendar(settings.calendar_overrides),
        )

    def court_catalogue(self, court: str | int | None) -> Catalogue:
        """The catalogue of a court, by its code (内0425; a shorter code: that level's) or its id
        in the database: the court's own file, the nearest covering code's, else the default."""
        if isinstance(court, int):
            from command_center.data.courts import list_courts

            court = next((c.code for c in list_courts(self.database(), {court})), None)
        return self.catalogue.for_court(court)

    def rules(self, now: datetime | None = None) -> Rules:
        """The alert rules as of ``now`` (default: the runtime's clock), which every read takes."""
        return Rules.at(now or self.clock.now(), self.catalogue, self.calendar)

    @property
    def lang(self) -> str:
        return self.settings.lang

    def database(self, *, create: bool = False) -> Database:
        """The database, opened on first use and migrated if it is SQLite; created if missing
        when ``create`` or :attr:`creates_database` says so."""
        if self._database is None:
            self._database = open_database(self.settings.db, create=create or self.creates_database)
        return self._database

    def read_database(self) -> Database:
        """The database the read-only screens and commands read: the streaming standby of
        ``read_db`` (opened on first use, never migrated, read only; its schema revision must be
        this version's), or :meth:`database` when ``read_db`` is not set.  Whatever writes, and
        whatever reads right after a write (the case screen, the queue), uses :meth:`database`."""
        if self.settings.read_db is None:
            return self.database()
        if self._read_database is None:
            self._read_database = open_database(self.settings.read_db, read_only=True)
        return self._read_database

    @property
    def reads_replica(self) -> bool:
        """Whether the reads go to a read database of their own (no NOTIFY reaches it)."""
        return self.settings.read_db is not None

    def courts(self) -> frozenset[int] | None:
        """The ids of the courts ``--court`` covers (None: every court); an unknown code raises
        :class:`~command_center.data.courts.UnknownCourt`, naming the codes there are."""
        if self.court is None:
            return None
        if self._courts is None:
            from command_center.data.courts import courts_under

            self._courts = courts_under(self.read_database(), self.court)
        return self._courts

    def close(self) -> None:
        for database in (self._database, self._read_database):
            if database is not None:
                database.dispose()
        self._database = self._read_database = None
