"""The NOMS recommendation for one level: every completion decided, then what they agree on.

How unknown inputs are handled (docs/clinical-rules.md §9.6): every unknown input of the table is
tried with each of its values (completions.py). If every completion leads to the same plan, that
plan stands and the unknown input did not matter. Otherwise the plan is "needs clinician input",
each part (radiation, surgery, stabilization) is stated where the completions agree, the inputs
that change the answer are listed as missing, and the rationale spells out every candidate. Prior
radiation is a modifier applied after the table (special case H): when it is unknown the table's
plan stands and "prior-radiation" is listed as missing, with what would change.
"""

from __future__ import annotations

from collections import defaultdict

from service.domain import escc
from service.domain.escc import Category, Grade
from service.domain.findings import StabilityCall
from service.domain.noms import rationale
from service.domain.noms.completions import (
    Completion,
    Dimension,
    candidate_lines,
    common,
    completions,
    deciding,
)
from service.domain.noms.decision import decide
from service.domain.noms.model import (
    Flag,
    Inputs,
    Plan,
    Radiation,
    Recommendation,
    Rule,
    Stability,
    Stabilization,
    Surgery,
)
from service.domain.noms.outcome import Outcome, World
from service.domain.noms.special_cases import special_h
from service.domain.scoring import ScoreResult


def recommend(inputs: Inputs) -> Recommendation:
    """Recommend a plan for one level, showing the rules, flags and missing inputs behind it."""
    if inputs.out_of_scope is not None:
        return Recommendation(
            inputs.level,
            Plan.OUT_OF_SCOPE,
            Radiation.UNDETERMINED,
            Surgery.UNDETERMINED,
            Stabilization.UNDETERMINED,
            (Rule.OUT_OF_SCOPE,),
            (),
            (),
            (
                f"{inputs.out_of_scope.value.capitalize()} at {inputs.level.label}: NOMS, ESCC and "
                "SINS do not apply; refer to the spine oncology team.",
            ),
        )

    stabilities, stability_conflict = _stability_values(inputs)
    dims = _dimensions(inputs, stabilities)
    outcomes: dict[Completion, Outcome] = {}
    for combo in completions(dims):
        (grade, n), neuro, m, s = combo
        outcome = decide(World(n, neuro, m, s, grade), inputs)
        if inputs.prior_radiation:
            outcome = special_h(outcome)
        outcomes[combo] = outcome

    settled = len({o.core for o in outcomes.values()}) == 1
    # docs/clinical-rules.md §9.6, §15.4: when every completion gives one defined plan with one
    # radiation and one surgery and only the stabilization differs, the plan stands and the
    # surgeon settles the stabilization: separation surgery covers a stable (R7) and an unstable
    # (R9) spine alike, and the decompression of special cases A and C is called for whatever
    # the stability.
    plan_only = {o.core[:3] for o in outcomes.values()}
    missing: list[str] = []
    lines = [rationale.inputs_sentence(inputs, stability_conflict)]
    if settled:
        plan, radiation, surgery, stabilization = next(iter(outcomes.values())).core
        lines.extend(dict.fromkeys(o.text for o in outcomes.values()))
        missing.extend(name for o in outcomes.values() for name in o.missing)
    elif len(plan_only) == 1 and all(o.defined for o in outcomes.values()):
        plan, radiation, surgery = next(iter(plan_only))
        stabilization = Stabilization.SURGICAL_CONSULTATION
        lines.extend(dict.fromkeys(o.text for o in outcomes.values()))
        missing.extend(name for key in deciding(dims, outcomes) for name in dims[key].names)
        lines.append(rationale.stabilization_by_surgeon(surgery))
    else:
        plan = Plan.NEEDS_CLINICIAN_INPUT
        radiation, surgery, stabilization = _agreed_parts(list(outcomes.values()))
        if stabilization is None:
            stabilization = (
                Stabilization.SURGICAL_CONSULTATION
                if stability_conflict or _consultation_indicated(inputs.sins)
                else Stabilization.UNDETERMINED
            )
        keys = deciding(dims, outcomes)
        missing.extend(name for key in keys for name in dims[key].names)
        missing.extend(name for o in outcomes.values() for name in o.missing)
        lines.append(rationale.depends_on([name for k in keys for name in dims[k].said]))
        lines.extend(candidate_lines(dims, keys, outcomes))

    if inputs.prior_radiation is None and radiation in (Radiation.CEBRT, Radiation.SRS):
        missing.append("prior-radiation")
        lines.append(rationale.prior_radiation_unknown(radiation, inputs.prior_radiation_possible))
    elif inputs.prior_radiation is None and inputs.prior_radiation_possible:
        lines.append(rationale.unsited_radiation() + ".")
    lines.extend(inputs.escc.notes)

    flags = _flags(inputs, list(outcomes.values()), stability_conflict, lines)
    return Recommendation(
        level=inputs.level,
        plan=plan,
        radiation=radiation,
        surgery=surgery,
        stabilization=stabilization,
        rules=_rules(list(outcomes.values())),
        flags=tuple(f for f in Flag if f in flags),
        missing=tuple(dict.fromkeys(missing)),
        rationale=tuple(lines),
    )


def _agreed_parts(
    outcomes: list[Outcome],
) -> tuple[Radiation, Surgery, Stabilization | None]:
    """The parts every defined completion agrees on (docs/clinical-rules.md §15.4).

    A completion handed back to a clinician says nothing about the parts, so only the defined
    ones vote; when none is defined, the clinician outcomes' own parts (mechanical part from M)
    are used. A part is undetermined when the voters disagree (stabilization: None, settled by
    the caller).
    """
    voters = [o for o in outcomes if o.defined] or outcomes
    return (
        common((o.radiation for o in voters), Radiation.UNDETERMINED),
        common((o.surgery for o in voters), Surgery.UNDETERMINED),
        common((o.stabilization for o in voters), None),
    )


def _dimensions(inputs: Inputs, stabilities: tuple[Stability, ...]) -> dict[str, Dimension]:
    neuro = inputs.neurology.present
    result = inputs.escc
    pairs = escc.completions(result)
    judged = result.level.below_conus and len({g for g, _ in pairs}) < len(pairs)
    return {
        "escc": Dimension(
            result.missing,
            pairs,
            said=result.missing or ("escc-category (a clinician's judgement below the conus)",),
            describe={pair: _say_compression(pair, judged) for pair in pairs},
            merge=lambda values: _merge_compression(values, judged),
        ),
        "neuro": Dimension(
            inputs.neurology.unknown,
            (neuro,) if neuro is not None else (True, False),
            {
                True: "myelopathy or cauda equina syndrome",
                False: "no myelopathy or cauda equina syndrome",
            },
        ),
        "stability": Dimension(
            (*inputs.sins.missing, "stability-assessment"),
            stabilities,
            {Stability.STABLE: "stable spine", Stability.UNSTABLE: "unstable spine"},
        ),
        "surgery": Dimension(
            ("surgical-candidate",),
            (inputs.surgical_candidate,)
            if inputs.surgical_candidate is not None
            else (True, False),
            {True: "able to tolerate surgery", False: "unable to tolerate surgery"},
        ),
    }


def _say_compression(pair: tuple[Grade, Category], judged: bool) -> str:
    grade, category = pair
    return f"ESCC {grade.value} judged {category.value}" if judged else f"ESCC {grade.value}"


def _merge_compression(values: list[tuple[Grade, Category]], judged: bool) -> str:
    if judged:
        return " or ".join(_say_compression(v, judged) for v in values)
    grades = [g.value for g, _ in values]
    said = grades[0] if len(grades) == 1 else ", ".join(grades[:-1]) + " or " + grades[-1]
    return f"ESCC {said}"


def _stability_values(inputs: Inputs) -> tuple[tuple[Stability, ...], bool]:
    """Stabilities still possible, and whether the surgeon's call contradicts a certain band."""
    bands = {band.code for band in inputs.sins.possible_bands}
    call = inputs.surgeon_stability
    as_stability = {
        StabilityCall.STABLE: Stability.STABLE,
        StabilityCall.UNSTABLE: Stability.UNSTABLE,
    }
    both = (Stability.STABLE, Stability.UNSTABLE)
    if bands == {"stable"}:
        return (both, True) if call is StabilityCall.UNSTABLE else ((Stability.STABLE,), False)
    if bands == {"unstable"}:
        return (both, True) if call is StabilityCall.STABLE else ((Stability.UNSTABLE,), False)
    if call is not None:
        return (as_stability[call],), False
    return both, False


def _flags(
    inputs: Inputs, outcomes: list[Outcome], stability_conflict: bool, lines: list[str]
) -> set[Flag]:
    # A flag of the table holds only if it holds whatever the unknown inputs are; conditional
    # advice is in the rationale's candidate lines instead.
    flags: set[Flag] = set.intersection(*(set(o.flags) for o in outcomes))
    if inputs.escc.flag_1c:
        flags.add(Flag.ESCC_1C)
    potentially_unstable = any(b.code == "potentially-unstable" for b in inputs.sins.possible_bands)
    if (
        inputs.surgeon_stability is None
        and potentially_unstable
        and _consultation_indicated(inputs.sins)
    ):
        flags.add(Flag.SINS_INDETERMINATE)
        lines.append(rationale.SINS_CONSULTATION)
    if Flag.MYELOPATHY_UNEXPLAINED in flags:
        lines.append(rationale.unexplained(inputs))
    if inputs.prior_radiation_adjacent and not inputs.prior_radiation:
        flags.add(Flag.PRIOR_RADIATION_ADJACENT)
        lines.append(rationale.adjacent_radiation(inputs.prior_radiation_adjacent))
    if inputs.conflicting or stability_conflict or inputs.escc.conflict:
        flags.add(Flag.CONFLICTING_DATA)
    if inputs.preliminary:
        flags.add(Flag.PRELIMINARY_DATA)
    return flags


def _rules(outcomes: list[Outcome]) -> tuple[Rule, ...]:
    """Rule ids to cite: the rows of every completion, and a special case where it holds in
    every completion that leads to its plan (special case E needs "no myelopathy" and ESCC 2, so
    an unknown myelopathy or sub-grade does not cite it)."""
    groups: dict[tuple, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.core].append(outcome)
    cited: set[Rule] = set()
    for group in groups.values():
        common_rules = set.intersection(*(set(o.rules) for o in group))
        cited |= {r for o in group for r in o.rules if r.is_core_row or r in common_rules}
    return tuple(r for r in Rule if r in cited)


def _consultation_indicated(sins: ScoreResult) -> bool:
    """SINS 7–18 means surgical consultation whatever the exact band (SOSG binary form)."""
    return all(band.code != "stable" for band in sins.possible_bands)
