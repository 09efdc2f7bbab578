"""Imported by every Python process of ``.ci/run``'s second pass, which runs the suite under
libfaketime a year ahead (``PYTHONPATH=tests/clock_ahead``; never on a normal run).

libfaketime 0.9.10 with ``FAKETIME_DONT_FAKE_MONOTONIC=1`` (a faked monotonic clock hangs
every timed wait) answers the absolute ``CLOCK_MONOTONIC`` sleep that ``time.sleep`` makes
with EINVAL; a relative ``select`` timeout is passed through untouched, so sleep with that.
"""

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


time.sleep = _sleep
