"""The answer for one fully specified situation: the table row, then its special cases.

The order follows the recommended algorithm of docs/clinical-rules.md §9.6: histology first
(unknown, none on record, unclassified), then the branch the table leaves open (low-grade
compression with myelopathy), then the row with its modifiers. Prior radiation (special case H) is
applied afterwards, in recommendation.py, because it modifies whatever plan results.
"""

from __future__ import annotations

from dataclasses import replace

from service.domain.escc import Category, can_cause_neurology
from service.domain.histology import Radiosensitivity
from service.domain.noms import special_cases as sc
from service.domain.noms.model import Flag, Inputs
from service.domain.noms.outcome import Outcome, World, defined, stabilization_of
from service.domain.noms.table import ROW_TEXT, Compression, Oncologic, row

_ONCOLOGIC = {
    Radiosensitivity.HEMATOLOGIC: Oncologic.RADIOSENSITIVE,
    Radiosensitivity.SOLID: Oncologic.RADIOSENSITIVE,
    Radiosensitivity.RESISTANT: Oncologic.RADIORESISTANT,
}


def decide(w: World, inputs: Inputs) -> Outcome:
    """The outcome for one world (every table input known).

    Myelopathy or cauda equina syndrome counts only where this level's compression can cause it
    (docs/clinical-rules.md §15.1): otherwise the "no myelopathy" rows apply and the finding is
    flagged as unexplained by this level.
    """
    if not w.neuro or can_cause_neurology(w.grade, inputs.level):
        return _decide(w, inputs)
    outcome = _decide(replace(w, neuro=False), inputs)
    return replace(outcome, flags=outcome.flags | {Flag.MYELOPATHY_UNEXPLAINED})


def _decide(w: World, inputs: Inputs) -> Outcome:
    if inputs.leptomeningeal:
        return sc.undefined_leptomeningeal(w)
    o = inputs.radiosensitivity
    high = w.n is Category.HIGH
    if o is Radiosensitivity.UNKNOWN:
        if w.neuro and high:
            return sc.special_c(w, inputs)
        if w.neuro:
            return sc.undefined_low_grade_with_myelopathy(w, histology_unknown=True)
        return sc.special_d(w)
    if o is None:
        return sc.undefined_no_primary(w, inputs)
    if o is Radiosensitivity.UNCLASSIFIED:
        if inputs.chordoma and high and w.neuro:
            return sc.special_j(w)
        return sc.undefined_unclassified(w)
    if not high and w.neuro:
        return sc.undefined_low_grade_with_myelopathy(w)

    table_row = row(_ONCOLOGIC[o], Compression.HIGH if high else Compression.LOW, w.m, w.s)
    if o is Radiosensitivity.RESISTANT:
        return sc.special_e_and_f(w, table_row) if high else sc.special_g(w, table_row)
    if high and w.neuro:
        if o is Radiosensitivity.HEMATOLOGIC:
            return sc.special_b(w, table_row)
        return sc.special_a(w, table_row, inputs)
    return defined(
        table_row.radiation,
        table_row.surgery,
        stabilization_of(w),
        (table_row.rule,),
        f"{table_row.rule}: {ROW_TEXT[table_row.rule]}",
    )
