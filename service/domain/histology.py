"""The primary cancer: NOMS radiosensitivity, Tokuhashi site group, Tomita growth, Bauer primary.

Radiosensitivity here means response to conventional external beam radiotherapy (cEBRT), the "O" of
NOMS (docs/clinical-rules.md §3; Newman WC, Larsen AG, Bilsky MH 2023; Badve S et al. 2021):
- haematological (exquisitely radiosensitive): lymphoma, multiple myeloma, plasmacytoma;
- solid radiosensitive: breast, prostate, ovarian, neuroendocrine carcinoma, seminoma, small cell;
- radioresistant: renal cell, colorectal, non-small-cell lung, thyroid, hepatocellular, melanoma,
  sarcoma;
- unknown: no tissue diagnosis yet; unclassified: any other histology (no source classifies it).

Site groups follow the revised Tokuhashi score (2005, docs/clinical-rules.md §4.1), Tomita's named
examples only (2001, §5: breast/thyroid slow, kidney/uterus moderate, lung/stomach rapid; any
other primary is left to a clinician) and the modified Bauer "favourable primary" (breast,
kidney, lymphoma, myeloma).

A site profile gives what the primary site alone says; a histology (morphology) can settle or
override the radiosensitivity (lung needs it to tell small-cell from non-small-cell).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Radiosensitivity(Enum):
    """NOMS oncologic class."""

    HEMATOLOGIC = "radiosensitive (haematological)"
    SOLID = "radiosensitive (solid tumour)"
    RESISTANT = "radioresistant"
    UNKNOWN = "histology unknown (no tissue diagnosis)"
    UNCLASSIFIED = "histology not classified by the sources"


class TokuhashiSite(Enum):
    """Primary-site groups of the revised Tokuhashi score (2005)."""

    LUNG_STOMACH_GROUP = "lung, osteosarcoma, stomach, bladder, oesophagus, pancreas"
    LIVER_GALLBLADDER_UNIDENTIFIED = "liver, gallbladder, unidentified"
    OTHERS = "others"
    KIDNEY_UTERUS = "kidney, uterus"
    RECTUM = "rectum"
    THYROID_BREAST_PROSTATE_CARCINOID = "thyroid, breast, prostate, carcinoid tumour"


class TomitaGrowth(Enum):
    """Growth-rate groups of the Tomita score (2001)."""

    SLOW = "slow growth"
    MODERATE = "moderate growth"
    RAPID = "rapid growth"


class Histology(Enum):
    """Morphology groups that change the classification of a primary site."""

    SMALL_CELL = "small cell carcinoma"
    NON_SMALL_CELL_TYPE = "non-small-cell carcinoma"  # adenocarcinoma, squamous, large cell
    LYMPHOMA = "lymphoma"
    MYELOMA = "multiple myeloma"
    PLASMACYTOMA = "plasmacytoma"
    LEUKAEMIA = "leukaemia"
    SEMINOMA = "seminoma"
    NEUROENDOCRINE_CARCINOMA = "neuroendocrine carcinoma"
    CARCINOID = "carcinoid tumour"
    MELANOMA = "melanoma"
    SARCOMA = "sarcoma"
    OSTEOSARCOMA = "osteosarcoma"
    RENAL_CELL = "renal cell carcinoma"
    HEPATOCELLULAR = "hepatocellular carcinoma"
    CHORDOMA = "chordoma"


@dataclass(frozen=True, slots=True)
class SiteProfile:
    """What a primary site alone tells each instrument.

    Attributes:
        name: Readable site name.
        radiosensitivity: The class when no histology says otherwise.
        tokuhashi: Tokuhashi groups the site may belong to (empty: not classifiable).
        tomita: Tomita growth group, or None when Tomita names no such example.
        bauer_favourable: Breast, kidney, lymphoma or myeloma; None when it cannot be told.
        lung: Whether the primary is lung cancer (modified Bauer); None when unknown.
    """

    name: str
    radiosensitivity: Radiosensitivity
    tokuhashi: frozenset[TokuhashiSite]
    tomita: TomitaGrowth | None
    bauer_favourable: bool | None
    lung: bool | None


def _site(
    name: str,
    radio: Radiosensitivity,
    tokuhashi: set[TokuhashiSite],
    tomita: TomitaGrowth | None = None,
    favourable: bool | None = False,
    lung: bool | None = False,
) -> SiteProfile:
    return SiteProfile(name, radio, frozenset(tokuhashi), tomita, favourable, lung)


_R = Radiosensitivity
_T = TokuhashiSite
_G = TomitaGrowth

BREAST = _site("breast", _R.SOLID, {_T.THYROID_BREAST_PROSTATE_CARCINOID}, _G.SLOW, True)
PROSTATE = _site("prostate", _R.SOLID, {_T.THYROID_BREAST_PROSTATE_CARCINOID})
THYROID = _site("thyroid", _R.RESISTANT, {_T.THYROID_BREAST_PROSTATE_CARCINOID}, _G.SLOW)
KIDNEY = _site("kidney", _R.RESISTANT, {_T.KIDNEY_UTERUS}, _G.MODERATE, True)
UTERUS = _site("uterus", _R.UNCLASSIFIED, {_T.KIDNEY_UTERUS}, _G.MODERATE)
# Whether Tokuhashi's "uterus" includes the cervix is not stated: both groups stay possible.
CERVIX = _site("cervix uteri", _R.UNCLASSIFIED, {_T.KIDNEY_UTERUS, _T.OTHERS})
OVARY = _site("ovary", _R.SOLID, {_T.OTHERS})
COLON = _site("colon", _R.RESISTANT, {_T.OTHERS})
RECTUM = _site("rectum", _R.RESISTANT, {_T.RECTUM})
# The rectosigmoid junction is colorectal, but "rectum" or "others" for Tokuhashi is not stated.
RECTOSIGMOID = _site("rectosigmoid junction", _R.RESISTANT, {_T.RECTUM, _T.OTHERS})
LUNG = _site("lung", _R.UNCLASSIFIED, {_T.LUNG_STOMACH_GROUP}, _G.RAPID, lung=True)
STOMACH = _site("stomach", _R.UNCLASSIFIED, {_T.LUNG_STOMACH_GROUP}, _G.RAPID)
OESOPHAGUS = _site("oesophagus", _R.UNCLASSIFIED, {_T.LUNG_STOMACH_GROUP})
PANCREAS = _site("pancreas", _R.UNCLASSIFIED, {_T.LUNG_STOMACH_GROUP})
BLADDER = _site("urinary bladder", _R.UNCLASSIFIED, {_T.LUNG_STOMACH_GROUP})
LIVER = _site("liver", _R.UNCLASSIFIED, {_T.LIVER_GALLBLADDER_UNIDENTIFIED})
GALLBLADDER = _site("gallbladder", _R.UNCLASSIFIED, {_T.LIVER_GALLBLADDER_UNIDENTIFIED})
TESTIS = _site("testis", _R.UNCLASSIFIED, {_T.OTHERS})
MELANOMA_OF_SKIN = _site("melanoma of skin", _R.RESISTANT, {_T.OTHERS})
SOFT_TISSUE = _site("connective and soft tissue (sarcoma)", _R.RESISTANT, {_T.OTHERS})
# Bone primaries: osteosarcoma is in Tokuhashi's first group, other bone tumours are "others".
BONE = _site("bone", _R.UNCLASSIFIED, {_T.LUNG_STOMACH_GROUP, _T.OTHERS})
LYMPHOMA = _site("lymphoma", _R.HEMATOLOGIC, {_T.OTHERS}, favourable=True)
MULTIPLE_MYELOMA = _site("multiple myeloma", _R.HEMATOLOGIC, {_T.OTHERS}, favourable=True)
# Plasmacytoma is a plasma-cell tumour but not "multiple myeloma": Bauer's list does not say.
PLASMACYTOMA = _site("plasmacytoma", _R.HEMATOLOGIC, {_T.OTHERS}, favourable=None)
LEUKAEMIA = _site("leukaemia", _R.UNCLASSIFIED, {_T.OTHERS})
CARCINOID = _site("carcinoid tumour", _R.UNCLASSIFIED, {_T.THYROID_BREAST_PROSTATE_CARCINOID})
HEAD_AND_NECK = _site("head and neck", _R.UNCLASSIFIED, {_T.OTHERS})
UNKNOWN_PRIMARY = _site(
    "unknown primary site",
    _R.UNKNOWN,
    {_T.LIVER_GALLBLADDER_UNIDENTIFIED},
    favourable=None,
    lung=None,
)
# A site we know nothing of beyond "some cancer": every group remains possible.
UNSPECIFIED_SITE = _site("unspecified site", _R.UNCLASSIFIED, set(), favourable=None, lung=None)

_HISTOLOGY_CLASS: dict[Histology, Radiosensitivity] = {
    Histology.LYMPHOMA: _R.HEMATOLOGIC,
    Histology.MYELOMA: _R.HEMATOLOGIC,
    Histology.PLASMACYTOMA: _R.HEMATOLOGIC,
    Histology.SMALL_CELL: _R.SOLID,
    Histology.SEMINOMA: _R.SOLID,
    Histology.NEUROENDOCRINE_CARCINOMA: _R.SOLID,
    Histology.MELANOMA: _R.RESISTANT,
    Histology.SARCOMA: _R.RESISTANT,
    Histology.OSTEOSARCOMA: _R.RESISTANT,
    Histology.RENAL_CELL: _R.RESISTANT,
    Histology.HEPATOCELLULAR: _R.RESISTANT,
    Histology.LEUKAEMIA: _R.UNCLASSIFIED,
    Histology.CARCINOID: _R.UNCLASSIFIED,
    Histology.CHORDOMA: _R.UNCLASSIFIED,
}


# Histologies that name the organ or the disease outright: their profile replaces the site's.
_IMPLIED_SITE: dict[Histology, SiteProfile] = {
    Histology.LYMPHOMA: LYMPHOMA,
    Histology.MYELOMA: MULTIPLE_MYELOMA,
    Histology.PLASMACYTOMA: PLASMACYTOMA,
    Histology.LEUKAEMIA: LEUKAEMIA,
    Histology.RENAL_CELL: KIDNEY,
    Histology.HEPATOCELLULAR: LIVER,
}


@dataclass(frozen=True, slots=True)
class PrimaryCancer:
    """The classification of one primary cancer for every instrument.

    Attributes:
        description: Readable description (site and histology, and "recorded as resolved" when
            the chart says so, docs/clinical-rules.md §15.6).
        radiosensitivity: NOMS oncologic class.
        tokuhashi: Tokuhashi groups still possible (empty means any group).
        tomita: Tomita growth group, or None when it must come from a clinician.
        bauer_favourable: Whether it is breast, kidney, lymphoma or myeloma (None: unknown).
        lung: Whether it is lung cancer (None: unknown).
        chordoma: True for chordoma (special case J of NOMS).
        unknown_site: The primary site is unknown (C80): the chart could still name it.
    """

    description: str
    radiosensitivity: Radiosensitivity
    tokuhashi: frozenset[TokuhashiSite]
    tomita: TomitaGrowth | None
    bauer_favourable: bool | None
    lung: bool | None
    chordoma: bool = False
    unknown_site: bool = False


def primary_missing(primaries: tuple[PrimaryCancer, ...]) -> bool:
    """Whether the chart could still supply the primary: none on record, or only unknown sites.

    docs/clinical-rules.md §15.12: "missing" lists only what the chart could still supply; a known
    primary that a score does not classify is said as such instead.
    """
    return not primaries or all(p.unknown_site for p in primaries)


def classify(
    site: SiteProfile,
    histology: Histology | None = None,
    *,
    morphology: str | None = None,
    name: str | None = None,
) -> PrimaryCancer:
    """Combine what the site and the histology say into one classification.

    The histology decides the radiosensitivity where the sources classify it (e.g. lymphoma in
    any site, small cell carcinoma); non-small-cell histology decides it only for a lung primary
    (docs/clinical-rules.md §3: adenocarcinoma or squamous carcinoma of the lung = NSCLC =
    radioresistant). docs/clinical-rules.md §15.6: a morphology is a tissue diagnosis, so an
    unknown primary with one is "unclassified" (a clinician classifies it), never "unknown"; and a
    morphology names a cell type, not a site, so the description keeps its own words.

    Args:
        site: What the primary site says.
        histology: The morphology group, when the morphology is one the table knows.
        morphology: The morphology as recorded (e.g. "Adenocarcinoma, NOS"), whether or not the
            table knows it.
        name: How to name the site (e.g. the chart's display and code for a code outside the
            table); defaults to the site's name.
    """
    profile = _IMPLIED_SITE.get(histology, site) if histology is not None else site
    if histology is Histology.OSTEOSARCOMA:
        profile = replace(site, tokuhashi=frozenset({TokuhashiSite.LUNG_STOMACH_GROUP}))
    elif histology is Histology.CARCINOID:
        # Tokuhashi lists carcinoid as its own primary; a lung carcinoid could be read either way.
        groups = CARCINOID.tokuhashi | (site.tokuhashi if site.lung else frozenset())
        profile = replace(site, tokuhashi=groups)
    radio = profile.radiosensitivity
    if histology is Histology.NON_SMALL_CELL_TYPE:
        if site.lung:
            radio = Radiosensitivity.RESISTANT
    elif histology is not None:
        radio = _HISTOLOGY_CLASS[histology]
    if radio is Radiosensitivity.UNKNOWN and (histology is not None or morphology is not None):
        radio = Radiosensitivity.UNCLASSIFIED
    return PrimaryCancer(
        description=_describe(site, histology, morphology, name or site.name),
        radiosensitivity=radio,
        tokuhashi=profile.tokuhashi,
        tomita=profile.tomita,
        bauer_favourable=profile.bauer_favourable,
        lung=profile.lung,
        chordoma=histology is Histology.CHORDOMA,
        unknown_site=site is UNKNOWN_PRIMARY,
    )


def _describe(
    site: SiteProfile, histology: Histology | None, morphology: str | None, site_name: str
) -> str:
    if morphology is None and histology is None:
        return site_name
    if morphology is None and histology is Histology.NON_SMALL_CELL_TYPE and not site.lung:
        # The group lumps adenocarcinoma, squamous and large cell: "non-small-cell" is a lung
        # term only (docs/clinical-rules.md §15.6).
        morphology = "adenocarcinoma, squamous or large cell carcinoma"
    label = morphology or (histology.value if histology else "")
    if histology is Histology.NON_SMALL_CELL_TYPE and site.lung and morphology:
        return f"{label} ({site_name}, non-small-cell)"
    return f"{label} ({site_name})"
