"""The spine diagram's geometry: every level C1-S5 once, cranial to caudal, nothing overlapping."""

from __future__ import annotations

import itertools

from service.domain.levels import Level
from smart_app.spine import COCCYX, SACRUM, SEGMENTS, VIEW_HEIGHT, VIEW_WIDTH, box_of


def test_every_level_has_one_box_in_order():
    assert [b.level for b in SEGMENTS] == [
        level.value for level in Level if level.value[1:].isdigit()
    ]
    assert len(SEGMENTS) == 29
    for upper, lower in itertools.pairwise(SEGMENTS):
        assert upper.y + upper.height <= lower.y  # no overlap, top to bottom


def test_the_diagram_fits_its_view_box():
    for box in (*SEGMENTS, SACRUM, COCCYX):
        assert 0 <= box.x and box.right <= VIEW_WIDTH
        assert 0 <= box.y and box.y + box.height <= VIEW_HEIGHT


def test_sacral_lesions_without_a_segment_and_the_coccyx_have_boxes():
    s1, s5 = box_of("S1"), box_of("S5")
    assert SACRUM.y == s1.y and SACRUM.y + SACRUM.height == s5.y + s5.height
    assert COCCYX.y > SACRUM.y + SACRUM.height
    assert box_of("t9") == box_of("T9") and box_of("X1") is None
