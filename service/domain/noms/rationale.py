"""The sentences of a recommendation's rationale: what it rests on, and what would change it."""

from __future__ import annotations

from service.domain.levels import Level
from service.domain.noms.model import Inputs, Radiation, Surgery


def prior_radiation_unknown(radiation: Radiation, possible: bool = False) -> str:
    """What would change if the level had been irradiated (never contradicting the plan)."""
    change = (
        "SRS re-irradiation replaces cEBRT"
        if radiation is Radiation.CEBRT
        else "the SRS becomes a re-irradiation"
    )
    if possible:
        return f"{unsited_radiation()}: if it did, {change} (special case H)."
    return (
        "Prior radiation at this level is not recorded: if the level was irradiated before, "
        f"{change} and radiation oncology reviews the cord dose (special case H)."
    )


def unsited_radiation() -> str:
    """Radiotherapy whose site is not given may have covered any level (§15.9): said, never
    dropped (without the closing full stop)."""
    return (
        "Radiotherapy without a body site (or at a vertebra without its level) is on record and "
        "may have covered this level (record the treated levels)"
    )


SINS_CONSULTATION = (
    "SINS is 7 or more (potentially unstable) and no surgeon's call is recorded: "
    "surgical consultation recommended."
)


def stabilization_by_surgeon(surgery: Surgery) -> str:
    """The line for a plan that stands while only its stabilization is open (§9.6, §15.4)."""
    what = {
        Surgery.SEPARATION: "the separation surgery",
        Surgery.URGENT_DECOMPRESSION: "the urgent decompression",
    }.get(surgery, "the plan")
    return (
        f"The plan is the same whatever the stability; whether {what} must also stabilize the "
        "spine is the surgeon's call."
    )


def inputs_sentence(inputs: Inputs, stability_conflict: bool) -> str:
    """The first line: every input of N, O, M and S as the recommendation saw it."""
    escc = inputs.escc
    if escc.grade is not None:
        n = f"ESCC {escc.grade.value}"
        n += f" ({escc.category.value})" if escc.category else " (category undetermined)"
    elif escc.category is not None:
        n = "cord compression reported without a grade (high-grade)"
    else:
        n = "ESCC grade unknown"
    neuro = inputs.neurology.sentence()
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
    return f"{inputs.level.label}: N {n}, {neuro}; O {o}; M {m}; S {s}."


def depends_on(names: list[str]) -> str:
    """The line that introduces the candidates of an open plan."""
    return "The plan depends on " + ", ".join(names) + ":"


def adjacent_radiation(levels: tuple[Level, ...]) -> str:
    """The line for radiotherapy recorded next to the level (docs/clinical-rules.md §15.9)."""
    named = ", ".join(level.label for level in levels)
    return (
        f"Radiotherapy is recorded at the adjacent level {named}: radiation oncology to review the "
        "overlap of the fields (special case H applies only to the level itself)."
    )


def unexplained(inputs: Inputs) -> str:
    """The line for a myelopathy or CES this level's compression cannot cause (§15.1)."""
    present = [f.kind.label for f in inputs.neurology.applicable if f.value]
    finding = " and ".join(present) or "myelopathy or cauda equina syndrome"
    grade = inputs.escc.grade.value if inputs.escc.grade else "0-1b"
    return (
        f"The {finding} is not explained by ESCC {grade} at {inputs.level.label}: the rows without "
        "myelopathy apply here; look for another level or cause (flag-myelopathy-unexplained)."
    )
