"""One patient's assessment: every score and the NOMS recommendation for every level.

This is the clinical core's single entry point (:func:`assess`). It turns findings into the
inputs of each instrument, and records which inputs each result rests on (as input keys, see
:func:`service.domain.findings.input_key`) so the FHIR boundary can cite the source resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.domain import (
    bauer,
    escc,
    nesms,
    neurology,
    noms,
    risk,
    sins,
    tokuhashi,
    tomita,
    urgency,
)
from service.domain.findings import LesionFindings, PatientFindings, input_key
from service.domain.histology import Radiosensitivity
from service.domain.levels import Level
from service.domain.scoring import ScoreResult

RULE_SET: Final = f"NOMS-CDS rule set {noms.RULE_SET_VERSION}"


@dataclass(frozen=True, slots=True)
class LevelAssessment:
    """Everything computed for one vertebral level, with the input keys behind each part."""

    lesion: LesionFindings
    neurology: neurology.LevelNeurology
    sins: ScoreResult
    escc: escc.EsccResult
    recommendation: noms.Recommendation
    neurologic_risk: risk.RiskEstimate
    mechanical_risk: risk.RiskEstimate
    urgency: urgency.Urgency
    sins_inputs: tuple[str, ...]
    escc_inputs: tuple[str, ...]
    noms_inputs: tuple[str, ...]
    urgency_inputs: tuple[str, ...] = ()

    @property
    def level(self) -> Level:
        """The vertebral level."""
        return self.lesion.level


@dataclass(frozen=True, slots=True)
class Assessment:
    """The whole assessment of one patient."""

    findings: PatientFindings
    radiosensitivity: Radiosensitivity | None
    tokuhashi: ScoreResult
    tomita: ScoreResult
    modified_bauer: ScoreResult
    nesms: ScoreResult
    levels: tuple[LevelAssessment, ...]
    urgency: urgency.Urgency
    rule_set: str = RULE_SET

    @property
    def urgency_inputs(self) -> tuple[str, ...]:
        """The input keys the patient's urgency rests on: every level's."""
        f = self.findings
        keys = [key for la in self.levels for key in la.urgency_inputs]
        for name, value in (
            ("myelopathy", f.myelopathy),
            ("cauda-equina-syndrome", f.cauda_equina),
            ("leptomeningeal", f.leptomeningeal or None),
            # What no assessed level accounts for (docs/clinical-rules.md §15.2).
            ("unlocated-spinal-metastasis", f.unlocated_spinal_metastases or None),
            ("bone-metastasis-unknown-site", f.bone_metastases_unknown_site or None),
            ("cord-compression", f.unlocated_cord_compressions or None),
        ):
            if value is not None:
                keys.append(name)
        keys += [input_key(name, level) for name, level in f.neurology_elsewhere]
        # A finding recorded at a level where it cannot arise is no input there, but it keeps
        # the patient's urgency open (docs/clinical-rules.md §15.1).
        keys += [
            input_key(finding.kind.value, la.level)
            for la in self.levels
            for finding in la.neurology.findings
            if finding.at_level and finding.recorded is True and not finding.applicable
        ]
        return tuple(dict.fromkeys(keys))


def _known(
    names_and_values: tuple[tuple[str, object], ...], level: Level | None = None
) -> tuple[str, ...]:
    return tuple(input_key(name, level) for name, value in names_and_values if value is not None)


def level_neurology(findings: PatientFindings, lesion: LesionFindings) -> neurology.LevelNeurology:
    """Myelopathy and cauda equina syndrome at one level: its own record, else the patient's."""
    return neurology.at_level(
        lesion.level,
        lesion.myelopathy if lesion.myelopathy is not None else findings.myelopathy,
        lesion.cauda_equina if lesion.cauda_equina is not None else findings.cauda_equina,
        myelopathy_at_level=lesion.myelopathy is not None,
        cauda_equina_at_level=lesion.cauda_equina is not None,
    )


def _neurology_keys(neuro: neurology.LevelNeurology) -> tuple[str, ...]:
    """Input keys of the findings used at a level (``T9/myelopathy`` or ``myelopathy``)."""
    return tuple(
        input_key(f.kind.value, neuro.level if f.at_level else None)
        for f in neuro.applicable
        if f.recorded is not None
    )


_LEVEL_INPUTS: Final = (
    "sins-pain",
    "sins-bone-lesion",
    "sins-alignment",
    "sins-collapse",
    "sins-posterolateral",
    "escc-grade",
    "stability-assessment",
    "prior-radiation",
)


def _consulted(neuro: neurology.LevelNeurology) -> set[str]:
    """Every input key NOMS reads at a level, known or not: a conflict that left one unknown
    still flags the level (docs/clinical-rules.md §15.7)."""
    keys = {input_key(name, neuro.level) for name in _LEVEL_INPUTS}
    keys |= {"surgical-candidate", "primary-cancer"}
    for finding in neuro.applicable:
        keys |= {finding.kind.value, input_key(finding.kind.value, neuro.level)}
    return keys


def _explained(neuro: neurology.LevelNeurology, result: escc.EsccResult) -> bool | None:
    """Myelopathy or CES present and explicable by this level's compression (§15.1)."""
    if result.grade is not None and not escc.can_cause_neurology(result.grade, result.level):
        return False
    return neuro.present


def _assess_level(findings: PatientFindings, lesion: LesionFindings) -> LevelAssessment:
    level = lesion.level
    neuro = level_neurology(findings, lesion)
    sins_result = sins.score(
        sins.Inputs(
            level,
            lesion.pain,
            lesion.bone_lesion,
            lesion.alignment,
            lesion.collapse,
            lesion.posterolateral,
        )
    )
    escc_result = escc.categorize(
        escc.Inputs(level, lesion.escc_grade, lesion.cord_compression_reported)
    )
    sins_inputs = tuple(input_key(name, level) for name in sins_result.inputs)
    escc_inputs = tuple(input_key(name, level) for name in escc_result.inputs)
    noms_inputs = tuple(
        dict.fromkeys(
            (
                *sins_inputs,
                *escc_inputs,
                *_neurology_keys(neuro),
                *_known(
                    (
                        ("surgical-candidate", findings.surgical_candidate),
                        ("leptomeningeal", findings.leptomeningeal or None),
                    )
                ),
                *(("primary-cancer",) if findings.primaries else ()),
                *_known(
                    (
                        ("stability-assessment", lesion.surgeon_stability),
                        (
                            "prior-radiation",
                            True if lesion.prior_radiation_possible else lesion.prior_radiation,
                        ),
                        ("prior-radiation-adjacent", lesion.prior_radiation_adjacent or None),
                    ),
                    level,
                ),
            )
        )
    )
    recommendation = noms.recommend(
        noms.Inputs(
            level=level,
            escc=escc_result,
            neurology=neuro,
            radiosensitivity=findings.radiosensitivity,
            sins=sins_result,
            surgeon_stability=lesion.surgeon_stability,
            surgical_candidate=findings.surgical_candidate,
            prior_radiation=lesion.prior_radiation,
            prior_radiation_adjacent=lesion.prior_radiation_adjacent,
            prior_radiation_possible=lesion.prior_radiation_possible,
            out_of_scope=lesion.out_of_scope,
            leptomeningeal=findings.leptomeningeal,
            primaries_on_record=len(findings.primaries),
            chordoma=any(p.chordoma for p in findings.primaries),
            conflicting=findings.conflicting & (set(noms_inputs) | _consulted(neuro)),
            preliminary=findings.preliminary & set(noms_inputs),
        )
    )
    return LevelAssessment(
        lesion=lesion,
        neurology=neuro,
        sins=sins_result,
        escc=escc_result,
        recommendation=recommendation,
        neurologic_risk=risk.neurologic(escc_result, _explained(neuro, escc_result)),
        mechanical_risk=risk.mechanical(sins_result, lesion.surgeon_stability),
        urgency=urgency.level_urgency(escc_result, neuro, sins_result, lesion.out_of_scope),
        sins_inputs=sins_inputs,
        escc_inputs=escc_inputs,
        noms_inputs=noms_inputs,
        urgency_inputs=tuple(dict.fromkeys((*sins_inputs, *escc_inputs, *_neurology_keys(neuro)))),
    )


def assess(findings: PatientFindings) -> Assessment:
    """Assess one patient: patient-level scores, then SINS, ESCC, NOMS and urgency per level, and
    the patient's urgency (docs/clinical-rules.md §15.2)."""
    primaries, mets = findings.primaries, findings.metastases
    bauer_result = bauer.score(bauer.Inputs(primaries, mets))
    levels = tuple(
        _assess_level(findings, lesion)
        for lesion in sorted(findings.lesions, key=lambda lesion: lesion.level.index)
    )
    return Assessment(
        findings=findings,
        radiosensitivity=findings.radiosensitivity,
        tokuhashi=tokuhashi.score(
            tokuhashi.Inputs(findings.performance, mets, primaries, findings.frankel, findings.asia)
        ),
        tomita=tomita.score(tomita.Inputs(primaries, mets)),
        modified_bauer=bauer_result,
        nesms=nesms.score(
            nesms.Inputs(
                bauer_result.totals,
                findings.ambulatory,
                findings.albumin_g_per_dl,
                findings.albumin_comparator,
                bauer_result.missing,
            )
        ),
        levels=levels,
        urgency=urgency.patient_urgency(
            [la.urgency for la in levels],
            unlocated=findings.unlocated_spinal_metastases,
            bone_unknown_site=findings.bone_metastases_unknown_site,
            cord_compressions=findings.unlocated_cord_compressions,
            myelopathy=findings.myelopathy,
            cauda_equina=findings.cauda_equina,
            unexplained=urgency.unexplained_neurology(
                [(la.neurology, la.escc) for la in levels if la.lesion.out_of_scope is None],
                findings.myelopathy,
                findings.cauda_equina,
                findings.neurology_elsewhere,
            ),
            leptomeningeal=findings.leptomeningeal,
        ),
    )
