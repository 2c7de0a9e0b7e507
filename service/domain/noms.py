"""The NOMS recommendation for one vertebral level (clinical-spec §9).

Sources: Laufer I, Rubin DG, Lis E, et al. The NOMS framework: approach to the treatment of spinal
metastatic tumors. Oncologist 2013;18(6):744–751. doi:10.1634/theoncologist.2012-0293.
Barzilai O, Laufer I, Yamada Y, et al. J Clin Oncol 2017;35(21):2419–2427.
doi:10.1200/JCO.2017.72.7362. Newman WC, Larsen AG, Bilsky MH. Rev Esp Cir Ortop Traumatol
2023;67(6):487–499 (special cases A–J).

The core rows R1–R10 are reconstructed from these papers and must be verified word for word against
the original tables (open item O-7). Prognostic scores never drive a row: "S" is the clinician's
judgement that the patient can tolerate surgery.

How unknown inputs are handled: every input of the table that is unknown (ESCC category,
myelopathy/cauda equina syndrome, stability, ability to tolerate surgery) is tried with each of its
values. If every combination leads to the same plan, that plan stands and the unknown input did not
matter. Otherwise the plan is "needs clinician input", each part (radiation, surgery,
stabilization) is stated where all combinations agree, the inputs that change the answer are
listed as missing, and the rationale spells out every candidate. Prior radiation is a modifier
applied after the table (special case H): when it is unknown the table's plan stands and
"prior-radiation" is listed as missing, with what would change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from itertools import product
from typing import Final

from service.domain.escc import Category, EsccResult, Grade
from service.domain.findings import OutOfScope, StabilityCall, myelopathy_or_ces
from service.domain.histology import Radiosensitivity
from service.domain.levels import Level
from service.domain.scoring import ScoreResult

REFERENCE: Final = (
    "Laufer I et al. Oncologist 2013;18(6):744-751, doi:10.1634/theoncologist.2012-0293; "
    "Barzilai O et al. J Clin Oncol 2017;35(21):2419-2427, doi:10.1200/JCO.2017.72.7362"
)
RULE_SET_VERSION: Final = "1"


class Plan(Enum):
    """The overall plan for a level."""

    CEBRT = "conventional external beam radiotherapy (cEBRT)"
    SRS = "stereotactic radiosurgery (SRS)"
    STABILIZATION_THEN_CEBRT = "stabilization, then cEBRT"
    STABILIZATION_THEN_SRS = "stabilization, then SRS"
    SEPARATION_SURGERY_THEN_SRS = "separation surgery (decompression and stabilization), then SRS"
    URGENT_DECOMPRESSION_THEN_RADIATION = "urgent decompression/stabilization, then radiation"
    NEEDS_CLINICIAN_INPUT = "needs clinician input"
    OUT_OF_SCOPE = "outside the NOMS framework"


class Radiation(Enum):
    """The radiation part of the plan."""

    CEBRT = "cEBRT"
    SRS = "SRS"
    SRS_REIRRADIATION = "SRS re-irradiation (radiation oncology to review cumulative cord dose)"
    UNDETERMINED = "undetermined"


class Surgery(Enum):
    """The decompressive-surgery part of the plan."""

    NONE = "no decompressive surgery"
    SEPARATION = "separation surgery"
    URGENT_DECOMPRESSION = "urgent decompression"
    UNDETERMINED = "undetermined"


class Stabilization(Enum):
    """The mechanical part of the plan."""

    NONE = "no stabilization needed"
    REQUIRED = "stabilization required"
    SURGICAL_CONSULTATION = "surgical consultation for stability"
    UNDETERMINED = "undetermined"


class Flag(Enum):
    """Flags that ask a clinician to look at something (fhir-contract §2)."""

    ESCC_1C = "ESCC 1c: management debated"
    SINS_INDETERMINATE = "SINS 7-12 without the surgeon's call: surgical consultation"
    CONSIDER_UPFRONT_SURGERY = "radiosensitive solid tumour with myelopathy: consider surgery first"
    HYPOFRACTIONATED_SRS_OPTION = (
        "ESCC 2, radioresistant, no myelopathy: hypofractionated SRS option"
    )
    REIRRADIATION = "prior radiation at this level"
    OBTAIN_TISSUE_DIAGNOSIS = "no tissue diagnosis: obtain one"
    CONFLICTING_DATA = "sources in the chart disagree"
    PRELIMINARY_DATA = "rests on preliminary results"


class Stability(Enum):
    """Mechanical stability as the table uses it."""

    STABLE = "stable"
    UNSTABLE = "unstable"


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the recommendation for one level rests on.

    Attributes:
        radiosensitivity: The NOMS class, or None when no primary is on record or primaries
            disagree (see ``primaries_on_record``).
        primaries_on_record: How many active primary cancers the chart holds.
        chordoma: The primary is a chordoma (special case J).
        conflicting: Names of inputs used here whose sources disagree.
        preliminary: Names of inputs used here that are preliminary.
    """

    level: Level
    escc: EsccResult
    myelopathy: bool | None
    cauda_equina: bool | None
    radiosensitivity: Radiosensitivity | None
    sins: ScoreResult
    surgeon_stability: StabilityCall | None = None
    surgical_candidate: bool | None = None
    prior_radiation: bool | None = None
    out_of_scope: OutOfScope | None = None
    primaries_on_record: int = 1
    chordoma: bool = False
    conflicting: frozenset[str] = frozenset()
    preliminary: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The NOMS recommendation for one level, with the rules and data it rests on."""

    level: Level
    plan: Plan
    radiation: Radiation
    surgery: Surgery
    stabilization: Stabilization
    rules: tuple[str, ...]
    flags: tuple[Flag, ...]
    missing: tuple[str, ...]
    rationale: tuple[str, ...]

    def summary(self) -> str:
        """One line for a list of levels."""
        return f"{self.level.value}: {self.plan.value}"


# ---------------------------------------------------------------------------------------------
# One fully specified situation ("world") and the table's answer for it.


@dataclass(frozen=True, slots=True)
class _World:
    n: Category
    neuro: bool
    m: Stability
    s: bool


@dataclass(frozen=True, slots=True)
class _Outcome:
    plan: Plan
    radiation: Radiation
    surgery: Surgery
    stabilization: Stabilization
    rules: tuple[str, ...]
    text: str
    flags: frozenset[Flag] = frozenset()
    missing: tuple[str, ...] = ()

    @property
    def core(self) -> tuple[Plan, Radiation, Surgery, Stabilization]:
        return (self.plan, self.radiation, self.surgery, self.stabilization)


def _plan_for(radiation: Radiation, surgery: Surgery, stabilization: Stabilization) -> Plan:
    if surgery is Surgery.URGENT_DECOMPRESSION:
        return Plan.URGENT_DECOMPRESSION_THEN_RADIATION
    if surgery is Surgery.SEPARATION:
        return Plan.SEPARATION_SURGERY_THEN_SRS
    srs = radiation in (Radiation.SRS, Radiation.SRS_REIRRADIATION)
    if stabilization is Stabilization.REQUIRED:
        return Plan.STABILIZATION_THEN_SRS if srs else Plan.STABILIZATION_THEN_CEBRT
    return Plan.SRS if srs else Plan.CEBRT


def _defined(
    radiation: Radiation,
    surgery: Surgery,
    stabilization: Stabilization,
    rules: tuple[str, ...],
    text: str,
    flags: frozenset[Flag] = frozenset(),
) -> _Outcome:
    return _Outcome(
        _plan_for(radiation, surgery, stabilization),
        radiation,
        surgery,
        stabilization,
        rules,
        text,
        flags,
    )


def _human(
    stabilization: Stabilization,
    rules: tuple[str, ...],
    text: str,
    missing: tuple[str, ...] = (),
    flags: frozenset[Flag] = frozenset(),
    surgery: Surgery = Surgery.UNDETERMINED,
) -> _Outcome:
    return _Outcome(
        Plan.NEEDS_CLINICIAN_INPUT,
        Radiation.UNDETERMINED,
        surgery,
        stabilization,
        rules,
        text,
        flags,
        missing,
    )


def _row(
    n: Category,
    m: Stability,
    low_stable: str,
    low_unstable: str,
    high_stable: str,
    high_unstable: str,
) -> str:
    if n is Category.LOW:
        return low_stable if m is Stability.STABLE else low_unstable
    return high_stable if m is Stability.STABLE else high_unstable


def _decide(w: _World, o: Radiosensitivity | None, inputs: Inputs) -> _Outcome:
    """The table's answer for one fully specified situation (clinical-spec §9.2–9.4, §9.6)."""
    stab = Stabilization.REQUIRED if w.m is Stability.UNSTABLE else Stabilization.NONE
    if o is Radiosensitivity.UNKNOWN:
        tissue = frozenset({Flag.OBTAIN_TISSUE_DIAGNOSIS})
        if w.neuro and w.n is Category.HIGH:
            if w.s:
                return _Outcome(
                    Plan.URGENT_DECOMPRESSION_THEN_RADIATION,
                    Radiation.UNDETERMINED,
                    Surgery.URGENT_DECOMPRESSION,
                    stab,
                    ("special-C",),
                    "special case C: myelopathy from a tumour of unknown histology is treated as "
                    "radioresistant: urgent decompression, then radiation chosen once the "
                    "histology is known (SRS if radioresistant)",
                    tissue,
                )
            return _human(
                stab,
                ("special-C",),
                "myelopathy with unknown histology in a patient unable to tolerate "
                "surgery is not covered by the framework",
                flags=tissue,
            )
        if w.neuro:
            # Special case D is unknown histology *without* myelopathy; with myelopathy and
            # low-grade compression this is the undefined branch of §9.3.
            return _human(
                stab,
                ("undefined-low-grade-escc-myelopathy",),
                "myelopathy or cauda equina syndrome without high-grade compression at this "
                "level and histology unknown: other causes must be excluded; obtain tissue",
                ("histology",),
                tissue,
            )
        return _human(
            stab,
            ("special-D",),
            "special case D: histology unknown; obtain tissue before choosing radiation",
            ("histology",),
            tissue,
        )
    if o is None:
        if inputs.primaries_on_record > 1:
            return _human(
                stab,
                ("undefined-conflicting-primaries",),
                "several primary cancers are on record and they differ in "
                "radiosensitivity: which one has spread to the spine is a clinical call",
                ("radiosensitivity",),
                frozenset({Flag.CONFLICTING_DATA}),
            )
        return _human(
            stab,
            ("undefined-missing-input",),
            "no primary cancer is on record, so radiosensitivity is unknown",
            ("primary-cancer",),
        )
    if o is Radiosensitivity.UNCLASSIFIED:
        if inputs.chordoma and w.n is Category.HIGH and w.neuro:
            return _human(
                stab,
                ("special-J",),
                "special case J: chordoma with high-grade compression and myelopathy: "
                "intralesional resection then SRS (not en bloc); surgeon to decide",
                ("radiosensitivity",),
            )
        return _human(
            stab,
            ("undefined-histology-unclassified",),
            "the sources do not classify this histology's radiosensitivity",
            ("radiosensitivity",),
        )
    if w.n is Category.LOW and w.neuro:
        return _human(
            stab,
            ("undefined-low-grade-escc-myelopathy",),
            "myelopathy or cauda equina syndrome without high-grade compression at this "
            "level: other causes (or another level) must be excluded; the table does "
            "not cover it",
        )
    none = Surgery.NONE
    if o is Radiosensitivity.HEMATOLOGIC:
        rule = _row(w.n, w.m, "R1", "R2", "R5", "R6")
        if w.n is Category.HIGH and w.neuro:
            return _defined(
                Radiation.CEBRT,
                none,
                stab,
                (rule, "special-B"),
                "special case B: haematological tumours respond to cEBRT fast "
                "enough for neurological recovery; no decompressive surgery",
            )
        return _defined(
            Radiation.CEBRT,
            none,
            stab,
            (rule,),
            f"{rule}: radiosensitive tumour: cEBRT whatever the compression grade",
        )
    if o is Radiosensitivity.SOLID:
        rule = _row(w.n, w.m, "R1", "R2", "R5", "R6")
        if w.n is Category.HIGH and w.neuro:
            if w.s:
                return _defined(
                    Radiation.CEBRT,
                    Surgery.URGENT_DECOMPRESSION,
                    stab,
                    (rule, "special-A", "special-F"),
                    f"special case A (diverges from {rule}): a myelopathic patient with "
                    "a radiosensitive solid tumour is usually operated first, because "
                    "cEBRT does not decompress fast enough",
                    frozenset({Flag.CONSIDER_UPFRONT_SURGERY}),
                )
            # §9.6 and the contract flag every myelopathic radiosensitive solid tumour; the
            # plan stays cEBRT because this patient cannot tolerate surgery.
            return _defined(
                Radiation.CEBRT,
                none,
                stab,
                (rule, "special-A"),
                f"{rule}: cEBRT; surgery first (special case A) is not possible for a patient "
                "unable to tolerate surgery",
                frozenset({Flag.CONSIDER_UPFRONT_SURGERY}),
            )
        return _defined(
            Radiation.CEBRT, none, stab, (rule,), f"{rule}: radiosensitive tumour: cEBRT"
        )
    # Radioresistant.
    if w.n is Category.LOW:
        rule = "R3" if w.m is Stability.STABLE else "R4"
        return _defined(
            Radiation.SRS,
            none,
            stab,
            (rule, "special-G"),
            f"{rule}: radioresistant tumour without cord compression: SRS as "
            "definitive treatment (not en bloc resection)",
        )
    option = (
        frozenset({Flag.HYPOFRACTIONATED_SRS_OPTION})
        if inputs.escc.grade is Grade.G2 and not w.neuro
        else frozenset()
    )
    option_rule = ("special-E",) if option else ()
    grade3 = ("special-F",) if inputs.escc.grade is Grade.G3 else ()
    if w.s:
        rule = "R7" if w.m is Stability.STABLE else "R9"
        return _defined(
            Radiation.SRS,
            Surgery.SEPARATION,
            stab,
            (rule, *grade3, *option_rule),
            f"{rule}: high-grade compression from a radioresistant tumour in a patient "
            "able to tolerate surgery: separation surgery, then SRS",
            option,
        )
    if w.m is Stability.STABLE:
        return _defined(
            Radiation.CEBRT,
            none,
            stab,
            ("R8", *option_rule),
            "R8: high-grade compression from a radioresistant tumour, patient unable "
            "to tolerate surgery: cEBRT",
            option,
        )
    return _defined(
        Radiation.CEBRT,
        none,
        stab,
        ("R10", *option_rule),
        "R10: unstable spine, patient unable to tolerate open surgery: percutaneous "
        "stabilization (cement augmentation and/or screws), then cEBRT",
        option,
    )


def _apply_prior_radiation(outcome: _Outcome) -> _Outcome:
    """Special case H: a previously irradiated level gets SRS re-irradiation instead of cEBRT."""
    flags = outcome.flags | {Flag.REIRRADIATION}
    if outcome.radiation not in (Radiation.CEBRT, Radiation.SRS):
        return replace(outcome, flags=flags)
    radiation = Radiation.SRS_REIRRADIATION
    plan = outcome.plan
    if plan is not Plan.NEEDS_CLINICIAN_INPUT:
        plan = _plan_for(radiation, outcome.surgery, outcome.stabilization)
    return replace(
        outcome,
        plan=plan,
        radiation=radiation,
        flags=flags,
        rules=(*outcome.rules, "special-H"),
        text=outcome.text + "; special case H: the level was irradiated before, so "
        "SRS re-irradiation replaces it and radiation oncology reviews the cumulative "
        "cord dose",
    )


# ---------------------------------------------------------------------------------------------
# Trying every value of the unknown inputs.


@dataclass(frozen=True, slots=True)
class _Dimension:
    names: tuple[str, ...]  # the inputs that would settle it
    values: tuple
    describe: dict = field(default_factory=dict)


def _stability_values(inputs: Inputs) -> tuple[tuple[Stability, ...], bool]:
    """Stabilities still possible, and whether the surgeon's call contradicts a certain band."""
    bands = {band.code for band in inputs.sins.possible_bands}
    call = inputs.surgeon_stability
    as_stability = {
        StabilityCall.STABLE: Stability.STABLE,
        StabilityCall.UNSTABLE: Stability.UNSTABLE,
    }
    if bands == {"stable"}:
        if call is StabilityCall.UNSTABLE:
            return (Stability.STABLE, Stability.UNSTABLE), True
        return (Stability.STABLE,), False
    if bands == {"unstable"}:
        if call is StabilityCall.STABLE:
            return (Stability.STABLE, Stability.UNSTABLE), True
        return (Stability.UNSTABLE,), False
    if call is not None:
        return (as_stability[call],), False
    return (Stability.STABLE, Stability.UNSTABLE), False


def recommend(inputs: Inputs) -> Recommendation:
    """Recommend a plan for one level, showing the rules, flags and missing inputs behind it."""
    if inputs.out_of_scope is not None:
        return Recommendation(
            inputs.level,
            Plan.OUT_OF_SCOPE,
            Radiation.UNDETERMINED,
            Surgery.UNDETERMINED,
            Stabilization.UNDETERMINED,
            ("out-of-scope",),
            (),
            (),
            (
                f"{inputs.out_of_scope.value.capitalize()} at {inputs.level.value}: NOMS, ESCC and "
                "SINS do not apply; refer to the spine oncology team.",
            ),
        )

    stabilities, stability_conflict = _stability_values(inputs)
    neuro = myelopathy_or_ces(inputs.myelopathy, inputs.cauda_equina)
    neuro_unknown = tuple(
        name
        for name, value in (
            ("myelopathy", inputs.myelopathy),
            ("cauda-equina-syndrome", inputs.cauda_equina),
        )
        if value is None
    )
    dims = {
        "escc": _Dimension(
            inputs.escc.missing,
            (inputs.escc.category,) if inputs.escc.category else (Category.LOW, Category.HIGH),
            {Category.LOW: "low-grade compression", Category.HIGH: "high-grade compression"},
        ),
        "neuro": _Dimension(
            neuro_unknown,
            (neuro,) if neuro is not None else (True, False),
            {
                True: "myelopathy or cauda equina syndrome",
                False: "no myelopathy or cauda equina syndrome",
            },
        ),
        "stability": _Dimension(
            (*inputs.sins.missing, "stability-assessment"),
            stabilities,
            {Stability.STABLE: "stable spine", Stability.UNSTABLE: "unstable spine"},
        ),
        "surgery": _Dimension(
            ("surgical-candidate",),
            (inputs.surgical_candidate,)
            if inputs.surgical_candidate is not None
            else (True, False),
            {True: "able to tolerate surgery", False: "unable to tolerate surgery"},
        ),
    }
    o = inputs.radiosensitivity
    outcomes: dict[tuple, _Outcome] = {}
    for combo in product(*(d.values for d in dims.values())):
        n, neuro, m, s = combo
        outcome = _decide(_World(n, neuro, m, s), o, inputs)
        if inputs.prior_radiation:
            outcome = _apply_prior_radiation(outcome)
        outcomes[combo] = outcome

    distinct = list(dict.fromkeys(o_.core for o_ in outcomes.values()))
    # Separation surgery covers a stable (R7) and an unstable (R9) spine alike: when only the
    # stabilization part differs and the plan is defined, the plan stands and the surgeon
    # settles the stabilization.
    plan_only = {o_.core[:3] for o_ in outcomes.values()}
    missing: list[str] = []
    rationale = [_inputs_sentence(inputs, stability_conflict)]
    if len(distinct) == 1:
        first = next(iter(outcomes.values()))
        plan, radiation, surgery, stabilization = first.core
        rationale.extend(dict.fromkeys(o_.text for o_ in outcomes.values()))
        missing.extend(name for o_ in outcomes.values() for name in o_.missing)
    elif len(plan_only) == 1 and next(iter(plan_only))[0] is Plan.SEPARATION_SURGERY_THEN_SRS:
        plan, radiation, surgery = next(iter(plan_only))
        stabilization = Stabilization.SURGICAL_CONSULTATION
        rationale.extend(dict.fromkeys(o_.text for o_ in outcomes.values()))
        missing.extend(
            name for key in _deciding_dimensions(dims, outcomes) for name in dims[key].names
        )
        rationale.append(
            "Whether the separation surgery must also stabilize an unstable spine "
            "is the surgeon's call."
        )
    else:
        plan = Plan.NEEDS_CLINICIAN_INPUT
        radiation = _common([o_.radiation for o_ in outcomes.values()], Radiation.UNDETERMINED)
        surgery = _common([o_.surgery for o_ in outcomes.values()], Surgery.UNDETERMINED)
        stabilization = _common([o_.stabilization for o_ in outcomes.values()], None)
        if stabilization is None:
            stabilization = (
                Stabilization.SURGICAL_CONSULTATION
                if stability_conflict or _consultation_indicated(inputs.sins)
                else Stabilization.UNDETERMINED
            )
        deciding = _deciding_dimensions(dims, outcomes)
        missing.extend(name for key in deciding for name in dims[key].names)
        missing.extend(name for o_ in outcomes.values() for name in o_.missing)
        rationale.append(
            "The plan depends on "
            + ", ".join(name for k in deciding for name in dims[k].names)
            + ":"
        )
        rationale.extend(_candidates(dims, deciding, outcomes))

    if inputs.prior_radiation is None and radiation in (Radiation.CEBRT, Radiation.SRS):
        missing.append("prior-radiation")
        rationale.append(
            "Prior radiation at this level is not recorded: if the level was irradiated before, "
            "SRS re-irradiation replaces cEBRT and radiation oncology reviews the cord dose "
            "(special case H)."
        )
    if inputs.escc.notes:
        rationale.extend(inputs.escc.notes)

    rules = _rules(list(outcomes.values()), len(distinct) == 1)
    # A flag of the table holds only if it holds whatever the unknown inputs are; conditional
    # advice is in the rationale's candidate lines instead.
    flags = set.intersection(*(set(o_.flags) for o_ in outcomes.values()))
    if inputs.escc.flag_1c:
        flags.add(Flag.ESCC_1C)
    potentially_unstable = any(b.code == "potentially-unstable" for b in inputs.sins.possible_bands)
    if (
        inputs.surgeon_stability is None
        and potentially_unstable
        and _consultation_indicated(inputs.sins)
    ):
        flags.add(Flag.SINS_INDETERMINATE)
        rationale.append(
            "SINS is 7 or more (potentially unstable) and no surgeon's call is recorded: "
            "surgical consultation recommended."
        )
    if inputs.conflicting or stability_conflict or inputs.escc.conflict:
        flags.add(Flag.CONFLICTING_DATA)
    if inputs.preliminary:
        flags.add(Flag.PRELIMINARY_DATA)
    return Recommendation(
        level=inputs.level,
        plan=plan,
        radiation=radiation,
        surgery=surgery,
        stabilization=stabilization,
        rules=tuple(_sorted_rules(rules)),
        flags=tuple(f for f in Flag if f in flags),
        missing=tuple(dict.fromkeys(missing)),
        rationale=tuple(rationale),
    )


def _rules(outcomes: list[_Outcome], settled: bool) -> list[str]:
    """Rule ids to cite: every candidate's when the plan is open; when it is settled, the core
    rows of every completion but a special case only if it holds in all of them (special case E
    needs "no myelopathy", so an unknown myelopathy does not cite it)."""
    every = list(dict.fromkeys(r for o_ in outcomes for r in o_.rules))
    if not settled:
        return every
    common = set.intersection(*(set(o_.rules) for o_ in outcomes))
    return [r for r in every if r in common or (r.startswith("R") and r[1:].isdigit())]


def _common(values: list, default: object) -> object:
    return values[0] if len(set(values)) == 1 else default


def _consultation_indicated(sins: ScoreResult) -> bool:
    """SINS 7–18 means surgical consultation whatever the exact band (SOSG binary form)."""
    return all(band.code != "stable" for band in sins.possible_bands)


def _deciding_dimensions(dims: dict[str, _Dimension], outcomes: dict[tuple, _Outcome]) -> list[str]:
    """The unknown inputs whose value changes the plan, holding the others fixed."""
    keys = list(dims)
    deciding = []
    for i, key in enumerate(keys):
        if len(dims[key].values) < 2:
            continue
        for combo, outcome in outcomes.items():
            for value in dims[key].values:
                other = (*combo[:i], value, *combo[i + 1 :])
                if outcomes[other].core != outcome.core:
                    break
            else:
                continue
            deciding.append(key)
            break
    return deciding


def _candidates(
    dims: dict[str, _Dimension], deciding: list[str], outcomes: dict[tuple, _Outcome]
) -> list[str]:
    """One line per distinct candidate, with the situations that lead to it.

    Within one candidate's situations, an input that takes every value is irrelevant to that
    candidate and is left out of its description.
    """
    keys = list(dims)
    groups: dict[tuple[str, str], set[tuple]] = {}
    for combo, outcome in outcomes.items():
        situation = tuple(combo[keys.index(k)] for k in deciding)
        groups.setdefault((outcome.plan.value, outcome.text), set()).add(situation)
    lines = []
    for (plan, text), situations in groups.items():
        active = list(range(len(deciding)))
        for position in range(len(deciding)):
            values = dims[deciding[position]].values
            if all(
                (*t[:position], v, *t[position + 1 :]) in situations
                for t in situations
                for v in values
            ):
                active.remove(position)
        described = dict.fromkeys(
            " and ".join(dims[deciding[i]].describe[t[i]] for i in active) for t in situations
        )
        conditions = "; or if ".join(sorted(d for d in described if d))
        lines.append(f"- {plan} ({text})" + (f" if {conditions}" if conditions else ""))
    return lines


def _inputs_sentence(inputs: Inputs, stability_conflict: bool) -> str:
    escc = inputs.escc
    if escc.grade is not None:
        n = f"ESCC {escc.grade.value}"
        n += f" ({escc.category.value})" if escc.category else " (category undetermined)"
    elif escc.category is not None:
        n = "cord compression reported without a grade (high-grade)"
    else:
        n = "ESCC grade unknown"
    neuro = {
        True: "myelopathy or cauda equina syndrome",
        False: "no myelopathy",
        None: "myelopathy not recorded",
    }[myelopathy_or_ces(inputs.myelopathy, inputs.cauda_equina)]
    o = inputs.radiosensitivity.value if inputs.radiosensitivity else "radiosensitivity unknown"
    sins = inputs.sins
    m = f"SINS {sins.describe_total()}"
    if sins.band:
        m += f" ({sins.band.label})"
    if inputs.surgeon_stability:
        m += f", surgeon's call: {inputs.surgeon_stability.value}"
        if stability_conflict:
            m += " (contradicts the SINS band)"
    s = {
        True: "able to tolerate surgery",
        False: "unable to tolerate surgery",
        None: "ability to tolerate surgery not recorded",
    }[inputs.surgical_candidate]
    return f"{inputs.level.value}: N {n}, {neuro}; O {o}; M {m}; S {s}."


_RULE_ORDER: Final = [f"R{i}" for i in range(1, 11)] + [f"special-{c}" for c in "ABCDEFGHIJ"]


def _sorted_rules(rules: list[str]) -> list[str]:
    known = [r for r in _RULE_ORDER if r in rules]
    return known + sorted(r for r in rules if r not in _RULE_ORDER)
