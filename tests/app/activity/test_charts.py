"""Chart geometry: bars scale to the largest value or the target, the target line sits where it should."""
from __future__ import annotations

from app.activity.charts import bar_chart, sparkline


def test_bars_scale_and_mark_the_target():
    chart = bar_chart([0, 2, 4], ["a", "b", "c"], target=3, width=300, height=120)
    plot = 120 - 20
    assert [b.height for b in chart.bars] == [0.0, 50.0, 100.0]
    assert [b.y + b.height for b in chart.bars] == [plot, plot, plot]  # every bar stands on the axis
    assert [b.met for b in chart.bars] == [False, False, True]
    assert chart.target_y == 25.0  # 3 of 4 → a quarter below the top
    assert chart.bars[1].x > chart.bars[0].x + chart.bars[0].width  # a gap between bars


def test_a_target_above_every_value_sets_the_scale():
    chart = bar_chart([1, 1], ["a", "b"], target=4, height=120)
    assert chart.max_value == 4 and chart.bars[0].height == 25.0


def test_no_target_no_line_and_all_zero_is_flat():
    chart = bar_chart([0, 0], ["a", "b"])
    assert chart.target_y is None and all(b.height == 0 for b in chart.bars)


def test_sparkline_points_run_left_to_right_with_the_last_value_marked():
    line = sparkline([0, 3, 6], target=3, width=104, height=28, pad=2)
    points = [tuple(map(float, p.split(","))) for p in line.points.split()]
    assert [x for x, _ in points] == [2.0, 52.0, 102.0]
    assert points[0][1] == 26.0 and points[-1][1] == 2.0  # zero at the bottom, the maximum at the top
    assert (line.last_x, line.last_y) == points[-1]
    assert line.target_y == 14.0


def test_sparkline_svg_escapes_the_title():
    from app.activity.charts import sparkline_svg

    svg = str(sparkline_svg([1, 2], 3, 'Dinas "<script>"'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and svg.startswith("<svg") and "style=" not in svg
