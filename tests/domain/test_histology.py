"""Primary cancer: NOMS radiosensitivity (docs/clinical-rules.md §3) and the site groups."""

from __future__ import annotations

import pytest

from service.domain import histology as h
from service.domain.histology import (
    Histology,
    Radiosensitivity,
    SiteProfile,
    TokuhashiSite,
    TomitaGrowth,
    classify,
)

HEM = Radiosensitivity.HEMATOLOGIC
SOLID = Radiosensitivity.SOLID
RES = Radiosensitivity.RESISTANT
UNKNOWN = Radiosensitivity.UNKNOWN
UNCL = Radiosensitivity.UNCLASSIFIED

ALL_SITES = {name: value for name, value in vars(h).items() if isinstance(value, SiteProfile)}


# docs/clinical-rules.md §3, one row per histology named there (sources: Newman 2023,
# Badve 2021), plus the rows of the "unclassified" and "unknown" classes.
@pytest.mark.parametrize(
    ("site", "histology", "expected"),
    [
        # Haematological: lymphoma, multiple myeloma, plasmacytoma [Newman 2023; Badve 2021].
        (h.LYMPHOMA, None, HEM),
        (h.MULTIPLE_MYELOMA, None, HEM),
        (h.PLASMACYTOMA, None, HEM),
        (h.UNSPECIFIED_SITE, Histology.MYELOMA, HEM),
        (h.UNSPECIFIED_SITE, Histology.PLASMACYTOMA, HEM),
        # Solid radiosensitive: breast, prostate, ovarian, neuroendocrine carcinoma, seminoma
        # [Newman 2023]; small cell [Badve 2021].
        (h.BREAST, None, SOLID),
        (h.PROSTATE, None, SOLID),
        (h.OVARY, None, SOLID),
        (h.PANCREAS, Histology.NEUROENDOCRINE_CARCINOMA, SOLID),
        (h.TESTIS, Histology.SEMINOMA, SOLID),
        (h.LUNG, Histology.SMALL_CELL, SOLID),
        # Radioresistant: RCC, colon/colorectal, NSCLC, thyroid, HCC, melanoma, sarcoma.
        (h.KIDNEY, Histology.RENAL_CELL, RES),
        (h.COLON, None, RES),
        (h.RECTUM, None, RES),
        (h.RECTOSIGMOID, None, RES),
        (h.LUNG, Histology.NON_SMALL_CELL_TYPE, RES),
        (h.THYROID, None, RES),
        (h.LIVER, Histology.HEPATOCELLULAR, RES),
        (h.MELANOMA_OF_SKIN, None, RES),
        (h.UNSPECIFIED_SITE, Histology.MELANOMA, RES),
        (h.SOFT_TISSUE, None, RES),
        (h.UNSPECIFIED_SITE, Histology.SARCOMA, RES),
        (h.BONE, Histology.OSTEOSARCOMA, RES),
        # Unclassified: no source classifies these (gastric, oesophageal, pancreatic, bladder,
        # cervix/uterine, head-and-neck, chordoma ...).
        (h.STOMACH, None, UNCL),
        (h.OESOPHAGUS, None, UNCL),
        (h.PANCREAS, None, UNCL),
        (h.BLADDER, None, UNCL),
        (h.CERVIX, None, UNCL),
        (h.UTERUS, None, UNCL),
        (h.HEAD_AND_NECK, None, UNCL),
        (h.BONE, Histology.CHORDOMA, UNCL),
        (h.UNSPECIFIED_SITE, None, UNCL),
        # Lung without morphology: small cell or not decides the class (§3 note; contract §1).
        (h.LUNG, None, UNCL),
        # Unknown: no tissue diagnosis yet.
        (h.UNKNOWN_PRIMARY, None, UNKNOWN),
    ],
    ids=[
        "lymphoma",
        "myeloma",
        "plasmacytoma",
        "myeloma-morphology",
        "plasmacytoma-morphology",
        "breast",
        "prostate",
        "ovary",
        "neuroendocrine-carcinoma",
        "seminoma",
        "small-cell-lung",
        "renal-cell",
        "colon",
        "rectum",
        "rectosigmoid",
        "nsclc",
        "thyroid",
        "hepatocellular",
        "melanoma-of-skin",
        "melanoma-morphology",
        "soft-tissue-sarcoma",
        "sarcoma-morphology",
        "osteosarcoma",
        "stomach",
        "oesophagus",
        "pancreas",
        "bladder",
        "cervix",
        "uterus",
        "head-and-neck",
        "chordoma",
        "unspecified-site",
        "lung-without-morphology",
        "unknown-primary",
    ],
)
def test_radiosensitivity(site: SiteProfile, histology: Histology | None, expected):
    assert classify(site, histology).radiosensitivity is expected


@pytest.mark.parametrize(
    "histology", [Histology.LYMPHOMA, Histology.MYELOMA, Histology.PLASMACYTOMA]
)
@pytest.mark.parametrize("site", list(ALL_SITES.values()), ids=list(ALL_SITES))
def test_haematological_morphology_wins_in_any_site(site: SiteProfile, histology: Histology):
    primary = classify(site, histology)
    assert primary.radiosensitivity is HEM
    assert primary.tokuhashi == frozenset({TokuhashiSite.OTHERS})


@pytest.mark.parametrize("site", list(ALL_SITES.values()), ids=list(ALL_SITES))
def test_small_cell_morphology_is_radiosensitive_in_any_site(site: SiteProfile):
    assert classify(site, Histology.SMALL_CELL).radiosensitivity is SOLID


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        (h.LUNG, RES),  # lung adenocarcinoma / squamous = NSCLC (docs/clinical-rules.md §3)
        (h.BREAST, SOLID),  # adenocarcinoma of the breast stays radiosensitive
        (h.PROSTATE, SOLID),
        (h.OVARY, SOLID),
        (h.COLON, RES),
        (h.STOMACH, UNCL),  # gastric adenocarcinoma: no source classifies it
        (h.OESOPHAGUS, UNCL),
        (h.HEAD_AND_NECK, UNCL),  # head-and-neck squamous cell carcinoma
    ],
    ids=["lung", "breast", "prostate", "ovary", "colon", "stomach", "oesophagus", "head-and-neck"],
)
def test_non_small_cell_type_morphology_decides_only_for_lung(site: SiteProfile, expected):
    assert classify(site, Histology.NON_SMALL_CELL_TYPE).radiosensitivity is expected


def test_chordoma_is_marked_for_special_case_j():
    primary = classify(h.BONE, Histology.CHORDOMA)
    assert primary.chordoma is True
    assert primary.radiosensitivity is UNCL
    assert primary.description == "chordoma (bone)"
    assert not any(classify(site).chordoma for site in ALL_SITES.values())


def test_description_names_site_and_histology():
    assert classify(h.BREAST).description == "breast"
    assert classify(h.LUNG, Histology.SMALL_CELL).description == "small cell carcinoma (lung)"


@pytest.mark.parametrize(
    ("site", "histology", "growth"),
    [
        # docs/clinical-rules.md §5: slow (breast, thyroid), moderate (kidney, uterus), rapid (lung,
        # stomach); any other primary is left to a clinician.
        (h.BREAST, None, TomitaGrowth.SLOW),
        (h.THYROID, None, TomitaGrowth.SLOW),
        (h.KIDNEY, None, TomitaGrowth.MODERATE),
        (h.UNSPECIFIED_SITE, Histology.RENAL_CELL, TomitaGrowth.MODERATE),
        (h.UTERUS, None, TomitaGrowth.MODERATE),
        (h.LUNG, None, TomitaGrowth.RAPID),
        (h.LUNG, Histology.SMALL_CELL, TomitaGrowth.RAPID),
        (h.STOMACH, None, TomitaGrowth.RAPID),
        (h.PROSTATE, None, None),
        (h.COLON, None, None),
        (h.CERVIX, None, None),
        (h.LYMPHOMA, None, None),
        (h.UNKNOWN_PRIMARY, None, None),
    ],
    ids=[
        "breast",
        "thyroid",
        "kidney",
        "renal-cell",
        "uterus",
        "lung",
        "small-cell-lung",
        "stomach",
        "prostate",
        "colon",
        "cervix",
        "lymphoma",
        "unknown",
    ],
)
def test_tomita_growth_only_for_named_primaries(site, histology, growth):
    assert classify(site, histology).tomita is growth


@pytest.mark.parametrize(
    ("site", "histology", "favourable", "lung"),
    [
        # modified Bauer (docs/clinical-rules.md §6.2): favourable = breast, kidney, lymphoma,
        # myeloma.
        (h.BREAST, None, True, False),
        (h.KIDNEY, None, True, False),
        (h.LYMPHOMA, None, True, False),
        (h.MULTIPLE_MYELOMA, None, True, False),
        (h.STOMACH, Histology.LYMPHOMA, True, False),
        (h.PROSTATE, None, False, False),
        (h.COLON, None, False, False),
        (h.LUNG, None, False, True),
        (h.LUNG, Histology.SMALL_CELL, False, True),
        (h.PLASMACYTOMA, None, None, False),  # not "multiple myeloma": Bauer does not say
        (h.UNKNOWN_PRIMARY, None, None, None),
        (h.UNSPECIFIED_SITE, None, None, None),
    ],
    ids=[
        "breast",
        "kidney",
        "lymphoma",
        "myeloma",
        "gastric-lymphoma",
        "prostate",
        "colon",
        "lung",
        "small-cell-lung",
        "plasmacytoma",
        "unknown",
        "unspecified",
    ],
)
def test_bauer_attributes(site, histology, favourable, lung):
    primary = classify(site, histology)
    assert (primary.bauer_favourable, primary.lung) == (favourable, lung)


def test_renal_cell_and_hepatocellular_morphology_imply_their_organ():
    rcc = classify(h.UNSPECIFIED_SITE, Histology.RENAL_CELL)
    assert rcc.tokuhashi == frozenset({TokuhashiSite.KIDNEY_UTERUS})
    assert rcc.bauer_favourable is True
    hcc = classify(h.UNSPECIFIED_SITE, Histology.HEPATOCELLULAR)
    assert hcc.tokuhashi == frozenset({TokuhashiSite.LIVER_GALLBLADDER_UNIDENTIFIED})


def test_osteosarcoma_is_in_tokuhashis_lung_group():
    # docs/clinical-rules.md §4.1: "Lung, osteosarcoma, stomach, bladder, oesophagus, pancreas" = 0.
    assert classify(h.BONE, Histology.OSTEOSARCOMA).tokuhashi == frozenset(
        {TokuhashiSite.LUNG_STOMACH_GROUP}
    )


def test_carcinoid_is_tokuhashis_best_group_and_a_lung_carcinoid_stays_ambiguous():
    assert classify(h.UNSPECIFIED_SITE, Histology.CARCINOID).tokuhashi == frozenset(
        {TokuhashiSite.THYROID_BREAST_PROSTATE_CARCINOID}
    )
    assert classify(h.LUNG, Histology.CARCINOID).tokuhashi == frozenset(
        {TokuhashiSite.THYROID_BREAST_PROSTATE_CARCINOID, TokuhashiSite.LUNG_STOMACH_GROUP}
    )
