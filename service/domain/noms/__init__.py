"""The NOMS recommendation for one vertebral level (docs/clinical-rules.md §9).

Sources: Laufer I, Rubin DG, Lis E, et al. The NOMS framework: approach to the treatment of spinal
metastatic tumors. Oncologist 2013;18(6):744–751. doi:10.1634/theoncologist.2012-0293.
Barzilai O, Laufer I, Yamada Y, et al. J Clin Oncol 2017;35(21):2419–2427.
doi:10.1200/JCO.2017.72.7362. Newman WC, Larsen AG, Bilsky MH. Rev Esp Cir Ortop Traumatol
2023;67(6):487–499 (special cases A–J).

The package, module by module: ``model`` (plans, parts, rule ids, flags, inputs, the result),
``table`` (rows R1–R10 as data), ``special_cases`` (one function per special case and undefined
branch), ``decision`` (one fully specified situation), ``completions`` (trying every value of the
unknown inputs), ``rationale`` (the sentences) and ``recommendation`` (the entry point). The core
rows are reconstructed and must be verified against the originals (open item O-7). Prognostic
scores never drive a row: "S" is the clinician's judgement that the patient can tolerate surgery.
"""

from service.domain.noms.model import (
    REFERENCE,
    RULE_SET_VERSION,
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
from service.domain.noms.recommendation import recommend

__all__ = [
    "REFERENCE",
    "RULE_SET_VERSION",
    "Flag",
    "Inputs",
    "Plan",
    "Radiation",
    "Recommendation",
    "Rule",
    "Stability",
    "Stabilization",
    "Surgery",
    "recommend",
]
