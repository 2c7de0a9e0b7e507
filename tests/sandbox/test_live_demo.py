"""The live part of `make demo` runs end to end and shows what it claims."""

from __future__ import annotations

from sandbox import demo


def test_live_demo_writes_once_and_reports_refusals(capfd):
    demo.run_steps()
    captured = capfd.readouterr()
    out = captured.out + captured.err  # the write report goes to standard error
    assert (
        # One level: 10 Observations (the patient's and T9's urgency among them).
        "resources added to the server by the two writes: {'Observation': 10, "
        "'RiskAssessment': 1, 'Provenance': 1}" in out
    )
    assert "write-back (transaction): 0 created, 12 already there" in out
    assert "(exit status 3)" in out and "refused: RiskAssessment" in out
    assert "{'Observation': 0, 'RiskAssessment': 0, 'Provenance': 0}" in out
