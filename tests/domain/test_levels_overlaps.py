"""``Level.overlaps`` written out gives, for every pair of levels, what its definition says."""

from __future__ import annotations

from service.domain.levels import Level, Region


def by_definition(a: Level, b: Level) -> bool:
    """The same vertebra, or the sacrum without a segment and a sacral level."""
    pair = {a, b}
    return a is b or (Level.SACRUM in pair and all(lv.region is Region.SACRAL for lv in pair))


def test_overlaps_matches_its_definition_for_every_pair() -> None:
    for a in Level:
        for b in Level:
            assert a.overlaps(b) == by_definition(a, b) == b.overlaps(a), (a, b)
    assert Level.SACRUM.overlaps(Level.S3) and not Level.SACRUM.overlaps(Level.L5)
    assert not Level.SACRUM.overlaps(Level.COCCYX) and not Level.S1.overlaps(Level.S2)
