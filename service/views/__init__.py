"""The one view of a report every surface reads (text summary, API, CDS cards, SMART pages,
alerts), and the view of a write-back. ``report_view(report)`` builds it once."""

from service.views.report import (
    EsccView,
    FlagView,
    IssueView,
    LevelView,
    PatientView,
    PlanView,
    ReportView,
    UrgencyView,
    assessment_view,
    report_view,
)
from service.views.scores import ItemView, ScoreView
from service.views.writes import write_view

__all__ = [
    "EsccView",
    "FlagView",
    "IssueView",
    "ItemView",
    "LevelView",
    "PatientView",
    "PlanView",
    "ReportView",
    "ScoreView",
    "UrgencyView",
    "assessment_view",
    "report_view",
    "write_view",
]
