"""The one place that reads the wall clock; everything else is handed ``now``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from command_center.data.workcal import TZ


class TimeFormatError(ValueError):
    pass


def parse_instant(text: str) -> datetime:
    """``2026-11-20T10:00``, ``2026-11-20 10:00:00+08:00`` or ``2026-11-20``; local time if no offset."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw), time(0))
        else:
            moment = datetime.fromisoformat(raw)
    except ValueError:
        raise TimeFormatError(f"{text!r} is not a date-time such as 2026-11-20T10:00") from None
    if not 2000 <= moment.year <= 2099:  # the calendar's and the court's years (9999-12-31 would overflow)
        raise TimeFormatError(f"{text!r} is not a date-time between 2000 and 2099")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)


def real_now() -> datetime:
    """The machine's clock, for what runs in real time whatever ``--now`` says: a lease's
    expiry on SQLite, APScheduler's timers.  Rules and schedules take ``Clock.now()``."""
    return datetime.now(TZ)


@dataclass(frozen=True)
class Clock:
    """Real time, or a fixed instant (``--now``) for evaluating as of that moment."""

    fixed: datetime | None = None

    def now(self) -> datetime:
        return self.fixed if self.fixed is not None else real_now()

    def today(self) -> date:
        return self.now().date()

    @property
    def is_fixed(self) -> bool:
        return self.fixed is not None
