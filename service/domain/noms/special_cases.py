"""The special cases and undefined branches of NOMS, one named function each.

Sources: Newman WC, Larsen AG, Bilsky MH. The NOMS approach to metastatic tumors: integrating new
technologies to improve outcomes. Rev Esp Cir Ortop Traumatol 2023;67(6):487–499 (special cases
A–J) and Badve S et al. A multidisciplinary approach to the management of spinal metastasis.
J Clin Orthop 2021 (cEBRT after prior radiation, radiosensitive tumours). The rules and their
letters are those of docs/clinical-rules.md §9.4; the branches the framework leaves to a clinician
are §9.3.

Each function takes one fully specified situation (``World``) and, for the modifiers of a table row,
the row's outcome; it returns the outcome with the special case applied.
"""

from __future__ import annotations

from dataclasses import replace

from service.domain.escc import Grade
from service.domain.noms.model import Flag, Inputs, Radiation, Rule, Surgery
from service.domain.noms.outcome import Outcome, World, defined, human, plan_for, stabilization_of
from service.domain.noms.table import ROW_TEXT, Row

TISSUE: frozenset[Flag] = frozenset({Flag.OBTAIN_TISSUE_DIAGNOSIS})


def special_a(w: World, row: Row, inputs: Inputs) -> Outcome:
    """A: radiosensitive solid tumour with myelopathy or cauda equina syndrome.

    Newman 2023: myelopathic patients with radiosensitive solid tumours "are usually considered for
    upfront surgery", because cEBRT does not decompress fast enough for neurological recovery; the
    plan diverges from R5/R6 and is flagged. F (same source): myelopathy from a solid tumour
    continues to require surgery, so F is cited with A. docs/clinical-rules.md §15.5: the flag
    asks to consider surgery, so it is raised only where surgery is possible (S able or not
    recorded), never for a patient recorded as unable to tolerate it; the radiation of A is cEBRT,
    as in the row it diverges from (§15.4).
    """
    stab = stabilization_of(w)
    flag = frozenset({Flag.CONSIDER_UPFRONT_SURGERY})
    if w.s:
        return defined(
            Radiation.CEBRT,
            Surgery.URGENT_DECOMPRESSION,
            stab,
            (row.rule, Rule.SPECIAL_A, Rule.SPECIAL_F),
            f"special case A (diverges from {row.rule}): a myelopathic patient with a "
            "radiosensitive solid tumour is usually operated first, because cEBRT does not "
            "decompress fast enough",
            flag,
        )
    return defined(
        Radiation.CEBRT,
        Surgery.NONE,
        stab,
        (row.rule,),
        f"{row.rule}: cEBRT; surgery first (special case A) is not possible for a patient "
        "unable to tolerate surgery",
        flag if inputs.surgical_candidate is None else frozenset(),
    )


def special_b(w: World, row: Row) -> Outcome:
    """B: haematological tumour with high-grade compression and myelopathy.

    Newman 2023: the apoptotic response of lymphoma, myeloma and plasmacytoma decompresses the cord
    fast enough for neurological recovery; Badve 2021: "extremely radiosensitive" tumours can be
    treated with cEBRT alone even with high-grade ESCC or myelopathy. cEBRT, no decompressive
    surgery; stabilization still follows M.
    """
    return defined(
        Radiation.CEBRT,
        Surgery.NONE,
        stabilization_of(w),
        (row.rule, Rule.SPECIAL_B),
        "special case B: haematological tumours respond to cEBRT fast enough for neurological "
        "recovery; no decompressive surgery",
    )


def special_c(w: World, inputs: Inputs) -> Outcome:
    """C: unknown histology (no tissue diagnosis) with high-grade compression and myelopathy.

    Newman 2023: myelopathy from an unknown primary is treated as radioresistant "until proven
    otherwise" and decompressed urgently or emergently; radiation (postoperative SRS for
    radioresistant tumours) follows once the histology is known. docs/clinical-rules.md §15.3:
    the emergency does not wait for the surgical-candidacy record: with S not recorded the plan
    stands and asks to confirm it; only a patient recorded as unable goes to a clinician.
    """
    stab = stabilization_of(w)
    unrecorded = inputs.surgical_candidate is None
    if w.s or unrecorded:
        flags = TISSUE | ({Flag.CONFIRM_SURGICAL_CANDIDACY} if unrecorded else set())
        return Outcome(
            plan_for(Radiation.UNDETERMINED, Surgery.URGENT_DECOMPRESSION, stab),
            Radiation.UNDETERMINED,
            Surgery.URGENT_DECOMPRESSION,
            stab,
            (Rule.SPECIAL_C,),
            "special case C: myelopathy from a tumour of unknown histology is treated as "
            "radioresistant: urgent decompression, then radiation chosen once the histology is "
            "known (SRS if radioresistant)"
            + (
                "; whether the patient can tolerate surgery is not recorded: confirm it"
                if unrecorded
                else ""
            ),
            frozenset(flags),
        )
    return human(
        stab,
        (Rule.SPECIAL_C,),
        "myelopathy with unknown histology in a patient recorded as unable to tolerate surgery "
        "is not covered by the framework",
        flags=TISSUE,
    )


def special_d(w: World) -> Outcome:
    """D: unknown histology without myelopathy: obtain tissue before choosing radiation.

    Not addressed explicitly by the sources: without a histology O cannot be assigned, so a
    biopsy comes first and a clinician decides (docs/clinical-rules.md §9.4).
    """
    return human(
        stabilization_of(w),
        (Rule.SPECIAL_D,),
        "special case D: histology unknown; obtain tissue before choosing radiation",
        ("histology",),
        TISSUE,
    )


def special_g(w: World, row: Row) -> Outcome:
    """G: radioresistant tumour with low-grade compression: SRS rather than en bloc resection.

    Newman 2023 (Spine Oncology Study Group strong recommendation): without cord compression
    (ESCC 0–1c) SRS is the definitive treatment of a radioresistant metastasis.
    """
    return defined(
        row.radiation,
        row.surgery,
        stabilization_of(w),
        (row.rule, Rule.SPECIAL_G),
        f"{row.rule}: radioresistant tumour without cord compression: SRS as definitive "
        "treatment (not en bloc resection)",
    )


def special_e_and_f(w: World, row: Row) -> Outcome:
    """E and F on a radioresistant high-grade row (R7–R10).

    E (Newman 2023, citing Rothrock 2020): for ESCC 2 without myelopathy, high-dose hypofractionated
    SRS is an alternative to separation surgery: reported as an option, not the default.
    F (Newman 2023): ESCC 3, or myelopathy from a solid tumour, "continues to require surgical
    intervention": cited with the surgical rows R7/R9 (radioresistant tumours are solid), as it is
    with special case A (docs/clinical-rules.md §9.4).
    """
    option = w.grade is Grade.G2 and not w.neuro
    rules: tuple[Rule, ...] = (row.rule,)
    if (w.grade is Grade.G3 or w.neuro) and row.surgery is Surgery.SEPARATION:
        rules += (Rule.SPECIAL_F,)
    if option:
        rules += (Rule.SPECIAL_E,)
    return defined(
        row.radiation,
        row.surgery,
        stabilization_of(w),
        rules,
        f"{row.rule}: {ROW_TEXT[row.rule]}",
        frozenset({Flag.HYPOFRACTIONATED_SRS_OPTION}) if option else frozenset(),
    )


def special_j(w: World) -> Outcome:
    """J: chordoma with high-grade compression and myelopathy.

    Newman 2023: not a candidate for curative en bloc resection; intralesional resection, then SRS.
    Chordoma is not classified for cEBRT response (docs/clinical-rules.md §3), so a surgeon decides.
    """
    return human(
        stabilization_of(w),
        (Rule.SPECIAL_J,),
        "special case J: chordoma with high-grade compression and myelopathy: intralesional "
        "resection then SRS (not en bloc); surgeon to decide",
    )


def special_h(outcome: Outcome) -> Outcome:
    """H: the level was irradiated before.

    Badve 2021: cEBRT is contraindicated after previous radiation (radiation myelopathy), and
    previously irradiated patients are candidates for SRS; Newman 2023 (citing Yamada 2017): SRS
    control does not depend on prior radiation. Where the plan says cEBRT or SRS, SRS
    re-irradiation with a radiation-oncology review of the cumulative cord dose takes its place.
    """
    flags = outcome.flags | {Flag.REIRRADIATION}
    if outcome.radiation not in (Radiation.CEBRT, Radiation.SRS):
        return replace(outcome, flags=flags)
    radiation = Radiation.SRS_REIRRADIATION
    plan = outcome.plan
    if outcome.defined:
        plan = plan_for(radiation, outcome.surgery, outcome.stabilization)
    return replace(
        outcome,
        plan=plan,
        radiation=radiation,
        flags=flags,
        rules=(*outcome.rules, Rule.SPECIAL_H),
        text=outcome.text
        + "; special case H: the level was irradiated before, so "
        + (
            "SRS re-irradiation replaces cEBRT"
            if outcome.radiation is Radiation.CEBRT
            else "the SRS is a re-irradiation"
        )
        + " and radiation oncology reviews the cumulative cord dose",
    )


# --- Branches the framework does not define (docs/clinical-rules.md §9.3) -------------------


def undefined_low_grade_with_myelopathy(w: World, histology_unknown: bool = False) -> Outcome:
    """Myelopathy or cauda equina syndrome without high-grade compression at the level.

    Not in the table: other causes (or another level) must be excluded first. With unknown
    histology a tissue diagnosis is still needed (special case D is "without myelopathy").
    """
    if histology_unknown:
        return human(
            stabilization_of(w),
            (Rule.UNDEFINED_LOW_GRADE_ESCC_MYELOPATHY,),
            "myelopathy or cauda equina syndrome without high-grade compression at this "
            "level and histology unknown: other causes must be excluded; obtain tissue",
            ("histology",),
            TISSUE,
        )
    return human(
        stabilization_of(w),
        (Rule.UNDEFINED_LOW_GRADE_ESCC_MYELOPATHY,),
        "myelopathy or cauda equina syndrome without high-grade compression at this level: "
        "other causes (or another level) must be excluded; the table does not cover it",
    )


def undefined_leptomeningeal(w: World) -> Outcome:
    """Leptomeningeal disease on record: no row or special case covers it.

    docs/clinical-rules.md §9.3 and §15.11: the framework does not address leptomeningeal
    disease, so every level goes to a clinician with that reason; the bone lesion's mechanical
    part still follows M.
    """
    return human(
        stabilization_of(w),
        (Rule.UNDEFINED_LEPTOMENINGEAL,),
        "leptomeningeal disease is on record: the NOMS framework does not cover it; the spine "
        "oncology team decides",
    )


def undefined_no_primary(w: World, inputs: Inputs) -> Outcome:
    """No primary cancer on record, or several that differ in radiosensitivity."""
    if inputs.primaries_on_record > 1:
        return human(
            stabilization_of(w),
            (Rule.UNDEFINED_CONFLICTING_PRIMARIES,),
            "several primary cancers are on record and they differ in radiosensitivity: "
            "which one has spread to the spine is a clinical call",
            flags=frozenset({Flag.CONFLICTING_DATA}),
        )
    return human(
        stabilization_of(w),
        (Rule.UNDEFINED_MISSING_INPUT,),
        "no primary cancer is on record, so radiosensitivity is unknown",
        ("primary-cancer",),
    )


def undefined_unclassified(w: World) -> Outcome:
    """A histology that no source classifies for cEBRT response (docs/clinical-rules.md §3)."""
    return human(
        stabilization_of(w),
        (Rule.UNDEFINED_HISTOLOGY_UNCLASSIFIED,),
        "the sources do not classify this histology's radiosensitivity: a clinician classifies it",
    )
