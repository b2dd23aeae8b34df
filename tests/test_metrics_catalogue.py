"""docs/metrics.md lists every metric of the registry, with its version, as the code renders it."""

from __future__ import annotations

from projections.measures import EVENTS
from projections.metrics import BEGIN, END, METRICS, render
from tests.support import ROOT


def test_the_metrics_in_docs_are_the_ones_the_registry_renders():
    written = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    section = written[written.index(BEGIN) : written.index(END) + len(END)]
    assert section == render(), "run: .venv/bin/python -m projections.metrics docs/metrics.md"
    for metric in METRICS:
        assert f"#### `{metric.name}` v{metric.version} — {metric.title}" in section


def test_every_metric_is_named_once_and_says_what_it_counts():
    names = [metric.name for metric in METRICS]
    assert len(names) == len(set(names))
    for metric in METRICS:
        assert metric.definition and metric.counts and metric.version >= 1, metric.name
        assert metric.kind in ("count", "rate", "stock"), metric.name
        assert bool(metric.numerator and metric.denominator) == (metric.kind == "rate"), metric.name


def test_every_event_a_metric_names_is_one_the_statistics_follow():
    followed = {event.__qualname__ for event in EVENTS}
    for metric in METRICS:
        assert set(metric.counts) <= followed, (metric.name, set(metric.counts) - followed)
