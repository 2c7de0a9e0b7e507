"""The demo patients ship as package data and are read through importlib.resources."""

from __future__ import annotations

from service import demo


def test_every_demo_patient_is_a_transaction_bundle_with_one_patient():
    names = demo.patient_names()
    assert len(names) >= 19
    for name in names:
        bundle = demo.load_patient(name)
        assert bundle["resourceType"] == "Bundle"
        assert bundle["type"] == "transaction"
        patients = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
        assert len(patients) == 1, name


def test_the_folder_is_the_one_the_names_come_from():
    folder = demo.patients_dir()
    assert sorted(p.stem for p in folder.glob("*.json")) == demo.patient_names()
