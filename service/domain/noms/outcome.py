"""One fully specified situation ("world") and the answer for it (an outcome)."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.escc import Category, Grade
from service.domain.noms.model import Flag, Plan, Radiation, Rule, Stability, Stabilization, Surgery


@dataclass(frozen=True, slots=True)
class World:
    """Every table input known: compression category and grade, neurology, stability, S.

    ``neuro`` is myelopathy or cauda equina syndrome present among the findings that can arise at
    the level; whether this level's compression can explain it is decided in decision.py.
    """

    n: Category
    neuro: bool
    m: Stability
    s: bool
    grade: Grade


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer for one world: the plan, its parts, the rules and flags behind it."""

    plan: Plan
    radiation: Radiation
    surgery: Surgery
    stabilization: Stabilization
    rules: tuple[Rule, ...]
    text: str
    flags: frozenset[Flag] = frozenset()
    missing: tuple[str, ...] = ()

    @property
    def core(self) -> tuple[Plan, Radiation, Surgery, Stabilization]:
        """The plan and its three parts: what completions must agree on."""
        return (self.plan, self.radiation, self.surgery, self.stabilization)

    @property
    def defined(self) -> bool:
        """True when the framework gives a plan (not handed back to a clinician)."""
        return self.plan not in (Plan.NEEDS_CLINICIAN_INPUT, Plan.OUT_OF_SCOPE)


def plan_for(radiation: Radiation, surgery: Surgery, stabilization: Stabilization) -> Plan:
    """The overall plan that the three parts add up to."""
    if surgery is Surgery.URGENT_DECOMPRESSION:
        return Plan.URGENT_DECOMPRESSION_THEN_RADIATION
    if surgery is Surgery.SEPARATION:
        return Plan.SEPARATION_SURGERY_THEN_SRS
    srs = radiation in (Radiation.SRS, Radiation.SRS_REIRRADIATION)
    if stabilization is Stabilization.REQUIRED:
        return Plan.STABILIZATION_THEN_SRS if srs else Plan.STABILIZATION_THEN_CEBRT
    return Plan.SRS if srs else Plan.CEBRT


def defined(
    radiation: Radiation,
    surgery: Surgery,
    stabilization: Stabilization,
    rules: tuple[Rule, ...],
    text: str,
    flags: frozenset[Flag] = frozenset(),
) -> Outcome:
    """An outcome with a plan."""
    plan = plan_for(radiation, surgery, stabilization)
    return Outcome(plan, radiation, surgery, stabilization, rules, text, flags)


def human(
    stabilization: Stabilization,
    rules: tuple[Rule, ...],
    text: str,
    missing: tuple[str, ...] = (),
    flags: frozenset[Flag] = frozenset(),
) -> Outcome:
    """An outcome handed back to a clinician; the mechanical part still follows M."""
    return Outcome(
        Plan.NEEDS_CLINICIAN_INPUT,
        Radiation.UNDETERMINED,
        Surgery.UNDETERMINED,
        stabilization,
        rules,
        text,
        flags,
        missing,
    )


def stabilization_of(w: World) -> Stabilization:
    """The mechanical part that M alone decides (mechanical stability is a separate question)."""
    return Stabilization.REQUIRED if w.m is Stability.UNSTABLE else Stabilization.NONE
