"""Urgency tiers per level and for the patient, and the one headline every surface leads with.

docs/clinical-rules.md §15.2 (tiers), applying §15.1 (neurology by level):

- ``emergent``: high-grade ESCC (or cord compression without a grade) with myelopathy or cauda
  equina syndrome at that level;
- ``urgent``: high-grade ESCC without myelopathy/CES; SINS 13–18; SINS 7–12 with mechanical pain;
- ``routine``: any other spinal metastasis; ``none``: no spinal metastasis.

With unknown inputs every value they can still take is tried (like the NOMS recommendation): the
result is the lowest certain tier and the highest possible tier, with the inputs whose value
decides between them. An output never says ``routine`` while ``emergent`` is possible, and
:func:`headline` leads with the highest possible tier ("POSSIBLY EMERGENT: record myelopathy at
T4").

Modules: ``tiers`` (the tiers, the result and the headline), ``level`` (one level, every
completion of its inputs tried) and ``patient`` (the most urgent level, and what the chart holds
that no assessed level accounts for).

API for the surfaces (text summary, report view, CDS cards, SMART pages, alerts): build nothing
here yourself; take ``LevelAssessment.urgency`` and ``Assessment.urgency`` from
:func:`service.domain.assessment.assess` and call :func:`headline` on them.
"""

from service.domain.urgency.level import level_urgency
from service.domain.urgency.patient import (
    UnexplainedNeurology,
    patient_urgency,
    unexplained_neurology,
)
from service.domain.urgency.tiers import (
    INPUT_WORDS,
    MECHANICAL_PAIN_POINTS,
    SINS_POTENTIALLY_UNSTABLE,
    SINS_UNSTABLE,
    Tier,
    Urgency,
    headline,
)

__all__ = [
    "INPUT_WORDS",
    "MECHANICAL_PAIN_POINTS",
    "SINS_POTENTIALLY_UNSTABLE",
    "SINS_UNSTABLE",
    "Tier",
    "UnexplainedNeurology",
    "Urgency",
    "headline",
    "level_urgency",
    "patient_urgency",
    "unexplained_neurology",
]
