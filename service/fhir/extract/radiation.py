"""Prior radiation at a level: its own records, its region's, and its neighbours' (§15.9)."""

from __future__ import annotations

from service.domain.findings import input_key
from service.domain.levels import Level
from service.fhir.extract.collector import Candidate, Collector


def near(level: Level, lesion: Level) -> bool:
    return level.overlaps(lesion) or level in lesion.neighbours()


def _radiation_records(c: Collector, level: Level) -> list[Candidate]:
    """Every prior-radiation record that covers a level: its own, an overlapping level's (the
    unsegmented sacrum and S1-S5) and its region's (docs/clinical-rules.md §15.9)."""
    found: list[Candidate] = []
    for other in Level:
        if level.overlaps(other):
            found += c.candidates.get(input_key("prior-radiation", other), [])
    for area, records in c.region_radiation.items():
        if level in area.levels:
            found += records
    return found


def prior_radiation(c: Collector, level: Level) -> bool | None:
    """Prior radiation at a level: any source saying yes wins (safer: SRS, not cEBRT)."""
    key = input_key("prior-radiation", level)
    found = _radiation_records(c, level)
    yes = [x for x in found if x.value is True]
    if yes and len(yes) < len(found):
        c.conflicting.add(key)
        c.note(
            "warning",
            f"{key}: the chart both records and denies prior radiation; prior radiation is assumed",
            yes[0].ref,
        )
    if yes:
        c.sources[key] = tuple(dict.fromkeys(x.ref for x in yes))
        if any(x.preliminary for x in yes):
            c.preliminary.add(key)
        return True
    c.candidates[key] = found
    return c.resolve(key)


def possible_radiation(c: Collector, level: Level, prior: bool | None) -> bool:
    """Radiotherapy whose site is not given may have covered the level (§15.9).

    Only where the level's prior radiation is still unknown: a record for the level decides. The
    records are cited for the level, so the output names them.
    """
    if prior is not None or not c.unsited_radiation:
        return False
    c.sources[input_key("prior-radiation", level)] = tuple(
        dict.fromkeys(x.ref for x in c.unsited_radiation)
    )
    return True


def adjacent_radiation(c: Collector, level: Level) -> tuple[Level, ...]:
    """Neighbouring levels (± 1) with radiotherapy on record that does not cover the level itself.

    docs/clinical-rules.md §15.9: radiation next to a lesion raises a flag for a review of the
    field overlap; only the same level (or its region) is special case H.
    """
    covering = {id(x) for x in _radiation_records(c, level)}
    near: list[Level] = []
    refs: list[str] = []
    for neighbour in level.neighbours():
        records = [
            x for x in _radiation_records(c, neighbour) if x.value is True and id(x) not in covering
        ]
        if records:
            near.append(neighbour)
            refs += [x.ref for x in records]
    if refs:
        c.sources[input_key("prior-radiation-adjacent", level)] = tuple(dict.fromkeys(refs))
    return tuple(near)
