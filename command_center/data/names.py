"""How a party's name and ID number are matched as one (related cases, DOMAIN.md §7): the keys
stored beside them.  No database imports: the models' column default uses it."""

from __future__ import annotations

import unicodedata

from command_center.data.caseno import INVISIBLE

_DROP = str.maketrans("", "", INVISIBLE + "\u3000")


def name_key(name: str) -> str:
    """A party's name as related cases match it (DOMAIN.md §7): NFKC (full-width letters, digits
    and brackets become ASCII: ＡＢＣ公司 and ABC公司 are one), no spaces or invisible characters,
    Latin letters in upper case.  Stored in ``parties.name_key`` by every writer (indexed; cut
    to the column's 100 characters, which NFKC can overrun: ㈱ becomes (株))."""
    text = unicodedata.normalize("NFKC", name).translate(_DROP)
    return "".join(text.split()).upper()[:100]


def id_key(number: str | None) -> str | None:
    """An ID number as related cases match it: NFKC, no spaces, ``x`` as ``X``; None if empty."""
    if not number:
        return None
    text = "".join(unicodedata.normalize("NFKC", number).translate(_DROP).split()).upper()
    return text or None
