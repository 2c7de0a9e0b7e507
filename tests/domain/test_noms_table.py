"""The NOMS table module holds rows R1–R10 as literal data (docs/clinical-rules.md §9.2).

Source of the rows: Laufer I et al. Oncologist 2013;18(6):744–751 (Table) and Barzilai O et al.
J Clin Oncol 2017;35(21):2419–2427 (Table 1), reconstructed (open item O-7). The expected table
below is typed from docs/clinical-rules.md §9.2, independently of the module.
"""

from __future__ import annotations

import ast
import inspect

import pytest

from service.domain.noms import table
from service.domain.noms.model import Plan, Radiation, Rule, Stability, Stabilization, Surgery
from service.domain.noms.outcome import plan_for
from service.domain.noms.table import Compression, Oncologic, Systemic

SENS, RES = "radiosensitive", "radioresistant"
EXPECTED = {
    # rule: (oncologic, compression, stability, systemic, radiation, surgery, stabilization)
    "R1": (SENS, "low", "stable", "any", "cEBRT", "none", "none"),
    "R2": (SENS, "low", "unstable", "any", "cEBRT", "none", "required"),
    "R3": (RES, "low", "stable", "any", "SRS", "none", "none"),
    "R4": (RES, "low", "unstable", "any", "SRS", "none", "required"),
    "R5": (SENS, "high", "stable", "any", "cEBRT", "none", "none"),
    "R6": (SENS, "high", "unstable", "any", "cEBRT", "none", "required"),
    "R7": (RES, "high", "stable", "able", "SRS", "separation", "none"),
    "R8": (RES, "high", "stable", "unable", "cEBRT", "none", "none"),
    "R9": (RES, "high", "unstable", "able", "SRS", "separation", "required"),
    "R10": (RES, "high", "unstable", "unable", "cEBRT", "none", "required"),
}
WORDS = {
    "low": Compression.LOW,
    "high": Compression.HIGH,
    "stable": Stability.STABLE,
    "unstable": Stability.UNSTABLE,
    "any": Systemic.ANY,
    "able": Systemic.ABLE,
    "unable": Systemic.UNABLE,
    "cEBRT": Radiation.CEBRT,
    "SRS": Radiation.SRS,
    "separation": Surgery.SEPARATION,
    "required": Stabilization.REQUIRED,
}


def _rows_node() -> ast.expr:
    tree = ast.parse(inspect.getsource(table))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "ROWS":
            return node.value
    raise AssertionError("table.py has no ROWS assignment")


def test_rows_are_ten_literal_rows_one_per_rule():
    node = _rows_node()
    assert isinstance(node, ast.Tuple)
    assert len(node.elts) == 10
    for element in node.elts:
        # Row(Rule.Rn, <name>, <name>, ...): names and attributes only, no computation.
        assert isinstance(element, ast.Call) and element.func.id == "Row"
        assert not element.keywords
        assert all(isinstance(arg, ast.Name | ast.Attribute) for arg in element.args)
    assert [r.rule for r in table.ROWS] == [Rule(f"R{i}") for i in range(1, 11)]


@pytest.mark.parametrize("rule", list(EXPECTED))
def test_each_row_reads_as_the_published_table(rule):
    (found,) = [r for r in table.ROWS if r.rule == rule]
    o, n, m, s, radiation, surgery, stabilization = EXPECTED[rule]
    assert found.oncologic is Oncologic(o)
    assert (found.compression, found.stability, found.systemic) == (WORDS[n], WORDS[m], WORDS[s])
    assert found.radiation is WORDS[radiation]
    assert found.surgery is (Surgery.NONE if surgery == "none" else WORDS[surgery])
    assert found.stabilization is (
        Stabilization.NONE if stabilization == "none" else WORDS[stabilization]
    )
    # The plan column is what the three parts add up to.
    assert found.plan is plan_for(found.radiation, found.surgery, found.stabilization)
    assert found.plan is not Plan.NEEDS_CLINICIAN_INPUT


def test_every_key_has_exactly_one_row():
    for o in Oncologic:
        for n in Compression:
            for m in Stability:
                for able in (True, False):
                    key = (o, n, m)
                    matching = [
                        r
                        for r in table.ROWS
                        if (r.oncologic, r.compression, r.stability) == key
                        and r.systemic in (Systemic.ANY, Systemic.ABLE if able else Systemic.UNABLE)
                    ]
                    assert len(matching) == 1, (key, able)
                    assert table.row(o, n, m, able) is matching[0]


def test_every_row_has_its_words():
    assert set(table.ROW_TEXT) == {r.rule for r in table.ROWS}
