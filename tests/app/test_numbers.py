"""Numbers as an engineer reads them on the page: whole where they fit, in
units with the exact value a hover away where they would be cut off, with
thousands separators everywhere."""

from __future__ import annotations

import pytest
from app_helpers import (
    app_state,
    metrics,
    new_app,
    paste,
    warm_kernel,  # noqa: F401 - fixture
)

from app.text import byte_text

pytestmark = pytest.mark.usefixtures("warm_kernel")

#: Two tensors of a model's size: LOAD 111,730,592, as resnet50's.
BIG = "id,lower,upper,size\nconv,0,2,60000000\nrelu,1,3,51730592\n"


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (12, "12"), (1_446_400, "1,446,400"), (9_999_999, "9,999,999"),
    (10_485_760, "10 MiB"),
    (111_730_592, "106.55 MiB"), (134_217_728, "128 MiB"), (40_280_736, "38.41 MiB"),
    (3 * 2**30 + 2**29, "3.5 GiB"), (-5, "-5"),
])
def test_byte_text(value, text):
    assert byte_text(value) == text


def test_big_byte_counts_fit_their_metric_and_keep_the_exact_value_on_hover():
    at = paste(new_app(), BIG)
    shown = metrics(at)
    assert shown["Status"] == "solved"
    exact = {m.label: m.proto.help for m in at.metric}
    for label, value in (("LOAD", 111_730_592), ("Lower bound", 111_730_592),
                         ("Capacity", 134_217_728), ("Height", 111_730_592)):
        assert shown[label] == byte_text(value), label
        assert len(shown[label]) <= 10, (label, shown[label])  # as wide as "128.00 MiB"
        assert f"{value:,} bytes" in exact[label], (label, exact[label])
    assert app_state(at).outcome.solution.height == 111_730_592


def test_the_minimiser_progress_fits_its_metrics():
    """While minimising densenet121 the panel read "Probing capacity
    40,527,008 (…": the budget is a metric of its own, bytes in units."""
    from app.services.jobs import progress_metrics
    from minimalloc.analysis.minimize import Progress
    from minimalloc.model import Solution

    best = Solution((0,), 40_529_568)
    shown = progress_metrics(12.34, None, Progress(40_527_008, 2.5, best, 39_875_744), 7)
    assert shown["Elapsed"] == ("12.3 s", None)
    assert shown["Probing capacity"] == ("38.65 MiB", "Exactly 40,527,008 bytes.")
    assert shown["Probe budget"] == ("2.5 s", None)
    assert shown["Best so far"] == ("38.65 MiB", "Exactly 40,529,568 bytes.")
    assert shown["Lower bound"] == ("38.03 MiB", "Exactly 39,875,744 bytes.")
    assert shown["Probes done"] == ("7", None)
    assert all(len(text) <= 10 for text, _ in shown.values())
    searching = progress_metrics(1.0, 123_456, None, None)
    assert searching == {"Elapsed": ("1.0 s", None), "Nodes so far": ("123,456", None)}


def test_tables_sliders_labels_and_messages_have_thousands_separators():
    """The alive-at-peak table, the time-window slider, batch row labels and
    validation messages wrote 40280736."""
    from app.services.tables import comparison_table, peak_rows
    from app.text import with_separators
    from app.views.packing import PEAK_COLUMNS
    from minimalloc.model import Buffer, Problem, Solution

    problem = Problem((Buffer("conv", 10_000, 25_000, 40_280_736),))
    moment, rows = peak_rows(problem, Solution((1_048_576,), 41_329_312))
    assert moment == 10_000
    assert rows[0]["lifespan"] == "[10,000, 25,000)"
    assert all(c["type_config"]["format"] == "localized" for c in PEAK_COLUMNS.values())
    assert with_separators(
        "Buffers 'b10000' and 'b2' collide: at time 12345 both occupy addresses "
        "2000000 to 3999999.") == ("Buffers 'b10000' and 'b2' collide: at time 12,345 "
                                   "both occupy addresses 2,000,000 to 3,999,999.")
    table = comparison_table([
        {"method": "MiniMalloc", "height": None, "above lower bound %": None,
         "fits capacity": None, "time (ms)": 1000.0, "note": "timeout", "exact": True},
        {"method": "best_fit", "height": 40_280_736, "above lower bound %": 1.0162,
         "fits capacity": False, "time (ms)": 2.5, "note": "", "exact": False}])
    assert table["height"].tolist() == ["—", "40,280,736"]
    assert table["above lower bound %"].tolist() == ["—", "1.0%"]
    assert table["fits capacity"].tolist() == ["—", "no"]
    assert not table.isna().any().any()


def test_the_time_window_slider_and_the_batch_labels_read_whole_numbers():
    from app.services.batch_results import batch_row_label

    label = batch_row_label({"input": "/tmp/x/densenet121.onnx", "variant": "",
                             "status": "over capacity", "height": 40_280_736}, 0)
    assert label == "1. densenet121.onnx · over capacity · height 40,280,736"
