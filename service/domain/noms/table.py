"""The NOMS decision table, rows R1–R10, as data a clinician can read against the source.

Source: Laufer I, Rubin DG, Lis E, et al. The NOMS framework: approach to the treatment of spinal
metastatic tumors. Oncologist 2013;18(6):744–751, doi:10.1634/theoncologist.2012-0293 (Table);
Barzilai O, Laufer I, Yamada Y, et al. J Clin Oncol 2017;35(21):2419–2427,
doi:10.1200/JCO.2017.72.7362 (Table 1). The rows are reconstructed from these papers and their
secondary reproductions and must be checked word for word against the originals (open item O-7);
docs/clinical-rules.md §9.2 prints the same table.

Each row is keyed by (radiosensitivity, compression, stability, systemic) and gives the three parts
of the plan. "Low" compression means low-grade ESCC (0–1c) without myelopathy; "high" means
high-grade ESCC (2–3) with or without myelopathy. "Systemic" is the clinician's judgement that the
patient can tolerate surgery; ANY means the row does not depend on it. What the table does not
cover (unknown histology, low-grade compression with myelopathy, ...) is in special_cases.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from service.domain.noms.model import Plan, Radiation, Rule, Stability, Stabilization, Surgery


class Oncologic(Enum):
    """The table's two oncologic classes (response to conventional radiotherapy)."""

    RADIOSENSITIVE = "radiosensitive"
    RADIORESISTANT = "radioresistant"


class Compression(Enum):
    """The table's two neurologic classes."""

    LOW = "low-grade ESCC, no myelopathy"
    HIGH = "high-grade ESCC, with or without myelopathy"


class Systemic(Enum):
    """Whether the row depends on the patient's ability to tolerate surgery."""

    ANY = "any"
    ABLE = "able to tolerate surgery"
    UNABLE = "unable to tolerate surgery"


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the table: its key and the plan it gives."""

    rule: Rule
    oncologic: Oncologic
    compression: Compression
    stability: Stability
    systemic: Systemic
    radiation: Radiation
    surgery: Surgery
    stabilization: Stabilization
    plan: Plan


SENSITIVE, RESISTANT = Oncologic.RADIOSENSITIVE, Oncologic.RADIORESISTANT
LOW, HIGH = Compression.LOW, Compression.HIGH
STABLE, UNSTABLE = Stability.STABLE, Stability.UNSTABLE
ANY, ABLE, UNABLE = Systemic.ANY, Systemic.ABLE, Systemic.UNABLE
CEBRT, SRS = Radiation.CEBRT, Radiation.SRS
NO_SURGERY, SEPARATION = Surgery.NONE, Surgery.SEPARATION
NO_STAB, STAB = Stabilization.NONE, Stabilization.REQUIRED

CEBRT_ALONE, SRS_ALONE = Plan.CEBRT, Plan.SRS
STAB_THEN_CEBRT, STAB_THEN_SRS = Plan.STABILIZATION_THEN_CEBRT, Plan.STABILIZATION_THEN_SRS
SEPARATION_SRS = Plan.SEPARATION_SURGERY_THEN_SRS

# One row per line: rule, radiosensitivity, compression, stability, systemic (S), then the plan's
# parts (radiation, decompressive surgery, stabilization) and the plan they add up to.
ROWS: Final[tuple[Row, ...]] = (
    Row(Rule.R1, SENSITIVE, LOW, STABLE, ANY, CEBRT, NO_SURGERY, NO_STAB, CEBRT_ALONE),
    Row(Rule.R2, SENSITIVE, LOW, UNSTABLE, ANY, CEBRT, NO_SURGERY, STAB, STAB_THEN_CEBRT),
    Row(Rule.R3, RESISTANT, LOW, STABLE, ANY, SRS, NO_SURGERY, NO_STAB, SRS_ALONE),
    Row(Rule.R4, RESISTANT, LOW, UNSTABLE, ANY, SRS, NO_SURGERY, STAB, STAB_THEN_SRS),
    Row(Rule.R5, SENSITIVE, HIGH, STABLE, ANY, CEBRT, NO_SURGERY, NO_STAB, CEBRT_ALONE),
    Row(Rule.R6, SENSITIVE, HIGH, UNSTABLE, ANY, CEBRT, NO_SURGERY, STAB, STAB_THEN_CEBRT),
    Row(Rule.R7, RESISTANT, HIGH, STABLE, ABLE, SRS, SEPARATION, NO_STAB, SEPARATION_SRS),
    Row(Rule.R8, RESISTANT, HIGH, STABLE, UNABLE, CEBRT, NO_SURGERY, NO_STAB, CEBRT_ALONE),
    Row(Rule.R9, RESISTANT, HIGH, UNSTABLE, ABLE, SRS, SEPARATION, STAB, SEPARATION_SRS),
    Row(Rule.R10, RESISTANT, HIGH, UNSTABLE, UNABLE, CEBRT, NO_SURGERY, STAB, STAB_THEN_CEBRT),
)

# What each row says in words (the rationale quotes it).
ROW_TEXT: Final[dict[Rule, str]] = {
    Rule.R1: "radiosensitive tumour without high-grade compression, stable spine: cEBRT",
    Rule.R2: "radiosensitive tumour without high-grade compression, unstable spine: "
    "stabilization, then cEBRT",
    Rule.R3: "radioresistant tumour without cord compression, stable spine: SRS",
    Rule.R4: "radioresistant tumour without cord compression, unstable spine: "
    "stabilization, then SRS",
    Rule.R5: "radiosensitive tumour with high-grade compression, stable spine: cEBRT",
    Rule.R6: "radiosensitive tumour with high-grade compression, unstable spine: "
    "stabilization, then cEBRT",
    Rule.R7: "high-grade compression from a radioresistant tumour in a patient able to "
    "tolerate surgery: separation surgery, then SRS",
    Rule.R8: "high-grade compression from a radioresistant tumour, patient unable to tolerate "
    "surgery: cEBRT",
    Rule.R9: "high-grade compression from a radioresistant tumour, unstable spine, patient able "
    "to tolerate surgery: decompression and stabilization (separation surgery), then SRS",
    Rule.R10: "unstable spine, patient unable to tolerate open surgery: percutaneous "
    "stabilization (cement augmentation and/or screws), then cEBRT",
}


def row(oncologic: Oncologic, compression: Compression, stability: Stability, able: bool) -> Row:
    """The row for one fully specified situation."""
    systemic = ABLE if able else UNABLE
    for candidate in ROWS:
        if (candidate.oncologic, candidate.compression, candidate.stability) == (
            oncologic,
            compression,
            stability,
        ) and candidate.systemic in (ANY, systemic):
            return candidate
    raise LookupError(f"no row for {oncologic}, {compression}, {stability}, {systemic}")
