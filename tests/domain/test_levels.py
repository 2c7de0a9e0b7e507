"""Vertebral levels: order, region, SINS location (docs/clinical-rules.md §1.1, §1.4), anatomy."""

from __future__ import annotations

import pytest

from service.domain.levels import Level, Region, SinsLocation, parse_level

J, M, S, R = (
    SinsLocation.JUNCTIONAL,
    SinsLocation.MOBILE,
    SinsLocation.SEMIRIGID,
    SinsLocation.RIGID,
)

# docs/clinical-rules.md §1.1: junctional occiput–C2, C7–T2, T11–L1, L5–S1; mobile C3–C6, L2–L4;
# semirigid T3–T10; rigid S2–S5. §1.4: S1 belongs to the junctional L5–S1 group.
SINS_LOCATION = [
    ("C1", J),
    ("C2", J),
    ("C3", M),
    ("C4", M),
    ("C5", M),
    ("C6", M),
    ("C7", J),
    ("T1", J),
    ("T2", J),
    ("T3", S),
    ("T4", S),
    ("T5", S),
    ("T6", S),
    ("T7", S),
    ("T8", S),
    ("T9", S),
    ("T10", S),
    ("T11", J),
    ("T12", J),
    ("L1", J),
    ("L2", M),
    ("L3", M),
    ("L4", M),
    ("L5", J),
    ("S1", J),
    ("S2", R),
    ("S3", R),
    ("S4", R),
    ("S5", R),
]


def test_the_table_covers_every_vertebra_once():
    assert [name for name, _ in SINS_LOCATION] == [level.value for level in Level.segments()]
    assert len(Level.segments()) == 29
    assert [level for level in Level if not level.is_segment] == [Level.SACRUM, Level.COCCYX]


@pytest.mark.parametrize(("name", "location"), SINS_LOCATION, ids=[n for n, _ in SINS_LOCATION])
def test_sins_location_of_every_level(name: str, location: SinsLocation):
    assert Level(name).sins_location is location
    assert Level(name).sins_locations == (location,)


def test_sacrum_without_a_segment_is_junctional_or_rigid_and_the_coccyx_has_no_location():
    # docs/clinical-rules.md §15.10: S1 is junctional, S2-S5 rigid; §1.4: SINS omits the coccyx.
    assert Level.SACRUM.sins_locations == (J, R)
    assert Level.SACRUM.sins_location is None
    assert Level.COCCYX.sins_locations == ()
    assert (Level.SACRUM.region, Level.COCCYX.region) == (Region.SACRAL, Region.COCCYGEAL)
    assert (Level.SACRUM.number, Level.COCCYX.number) == (None, None)
    assert Level.SACRUM.label == "sacrum (segment not given)"


@pytest.mark.parametrize(
    ("name", "region", "number"),
    [
        ("C1", Region.CERVICAL, 1),
        ("C7", Region.CERVICAL, 7),
        ("T1", Region.THORACIC, 1),
        ("T12", Region.THORACIC, 12),
        ("L1", Region.LUMBAR, 1),
        ("L5", Region.LUMBAR, 5),
        ("S1", Region.SACRAL, 1),
        ("S5", Region.SACRAL, 5),
    ],
    ids=["C1", "C7", "T1", "T12", "L1", "L5", "S1", "S5"],
)
def test_region_and_number(name: str, region: Region, number: int):
    level = Level(name)
    assert (level.region, level.number) == (region, number)


def test_index_runs_cranial_to_caudal_without_gaps():
    assert [level.index for level in Level] == list(range(31))
    assert Level.C1.index == 0
    assert Level.S5.index == 28
    assert (Level.SACRUM.index, Level.COCCYX.index) == (29, 30)
    assert sorted([Level.L1, Level.C2, Level.T12, Level.S1], key=lambda lv: lv.index) == [
        Level.C2,
        Level.T12,
        Level.L1,
        Level.S1,
    ]


@pytest.mark.parametrize("level", list(Level), ids=[level.value for level in Level])
def test_cauda_equina_starts_at_l2(level: Level):
    # levels.py: the conus ends at L1–L2; L2 and everything caudal count as below it (O-3).
    caudal = {"L2", "L3", "L4", "L5", "S1", "S2", "S3", "S4", "S5", "sacrum", "coccyx"}
    assert level.below_conus is (level.value in caudal)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T9", Level.T9),
        ("t9", Level.T9),
        (" L5 ", Level.L5),
        ("s1", Level.S1),
        ("C0", None),
        ("T13", None),
        ("L6", None),
        ("Co1", None),  # the coccyx is named "coccyx", not by segment
        ("Sacrum", Level.SACRUM),
        ("coccyx", Level.COCCYX),
        ("", None),
        ("T 9", None),
    ],
    ids=[
        "upper",
        "lower",
        "padded",
        "sacral",
        "C0",
        "T13",
        "L6",
        "coccyx-segment",
        "sacrum",
        "coccyx",
        "empty",
        "inner-space",
    ],
)
def test_parse_level(text: str, expected: Level | None):
    assert parse_level(text) is expected


# docs/clinical-rules.md §15.1: the cord (and conus) lies at C1-L1, the cauda equina at L1-S5.
ANATOMY = [
    # level, myelopathy can arise, cauda equina syndrome can arise
    ("C1", True, False),
    ("C5", True, False),
    ("T12", True, False),
    ("L1", True, True),  # conus: both
    ("L2", False, True),
    ("S5", False, True),
    ("sacrum", False, True),
    ("coccyx", False, False),
]


@pytest.mark.parametrize(("name", "cord", "cauda"), ANATOMY, ids=[a[0] for a in ANATOMY])
def test_where_myelopathy_and_cauda_equina_syndrome_can_arise(name, cord, cauda):
    level = Level(name)
    assert (level.cord_level, level.cauda_equina_level) == (cord, cauda)


NEIGHBOURS = [
    # docs/clinical-rules.md §15.9: adjacent = one level above or below.
    ("C1", ("C2",)),
    ("T12", ("T11", "L1")),
    ("L5", ("L4", "S1", "sacrum")),
    ("S5", ("S4", "coccyx")),
    ("sacrum", ("L5", "coccyx")),
]


@pytest.mark.parametrize(("name", "expected"), NEIGHBOURS, ids=[n[0] for n in NEIGHBOURS])
def test_neighbours(name, expected):
    assert tuple(level.value for level in Level(name).neighbours()) == expected


def test_the_unsegmented_sacrum_overlaps_every_sacral_segment_only():
    assert all(Level.SACRUM.overlaps(level) for level in (Level.S1, Level.S5, Level.SACRUM))
    assert not Level.SACRUM.overlaps(Level.L5)
    assert not Level.S1.overlaps(Level.S2)
