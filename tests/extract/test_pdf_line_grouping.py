"""The PDF reader's line grouping: its shortcuts (a run at or below every line opened before the last opens a
line without the look-back; a run with the extent of the last run that went to the last line goes there) give exactly
the lines the plain look-back gives, whatever the runs' extents."""

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.readers.pdf import _TOP, LINE_LOOKBACK, _group_lines


def _plain_grouping(runs: list[tuple]) -> list[list[tuple]]:
    """The grouping without the shortcut: the last line opened, then the look-back, else a new line."""
    lines: list[list] = []
    for run in runs:
        y1, y0 = run[0], run[1]
        height = max(y1 - y0, 0.1)
        candidates = ([lines[-1]] if lines else []) + list(reversed(lines[-LINE_LOOKBACK:-1]))
        for line in candidates:
            bottom, top = line[0], line[1]
            if min(top, y1) - max(bottom, y0) >= 0.5 * min(height, top - bottom):
                line[2].append(run)
                line[0] = min(bottom, y0)
                break
        else:
            lines.append([y0, y1, [run]])
    return [members for _, _, members in lines]


# Tops on a coarse grid and a few heights (none, negative, a sliver, text, a tall box) so that runs share
# extents, touch, nest and overlap older lines as they do on real pages and in damaged ones.
TOPS = st.integers(min_value=0, max_value=40).map(lambda n: n / 2)
HEIGHTS = st.sampled_from([-1.0, 0.0, 0.05, 0.5, 1.0, 2.0, 3.5, 12.0])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(TOPS, HEIGHTS), max_size=40))
def test_grouping_gives_the_lines_of_the_plain_look_back(extents):
    runs = [(top, top - height, float(index), f"run {index}", index) for index, (top, height) in enumerate(extents)]
    runs.sort(key=_TOP, reverse=True)
    assert _group_lines(runs) == _plain_grouping(runs)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(TOPS, HEIGHTS, st.integers(min_value=1, max_value=4)), max_size=16))
def test_runs_repeating_the_extent_before_them_group_as_in_the_plain_look_back(extents):
    runs = []
    for top, height, copies in extents:  # the cells of a row: runs of one extent in a row
        for _ in range(copies):
            runs.append((top, top - height, float(len(runs)), f"run {len(runs)}", len(runs)))
    runs.sort(key=_TOP, reverse=True)
    assert _group_lines(runs) == _plain_grouping(runs)


def test_a_page_read_downwards_opens_one_line_per_row_and_keeps_a_row_together():
    rows = [(700.0, 690.0), (680.0, 670.0), (660.0, 650.0)]
    runs = [(top, bottom, float(cell), f"{top}:{cell}", 3 * index + cell)
            for index, (top, bottom) in enumerate(rows) for cell in range(3)]
    lines = _group_lines(sorted(runs, key=_TOP, reverse=True))
    assert [[run[3] for run in line] for line in lines] == [
        [f"{top}:{cell}" for cell in range(3)] for top, _ in rows
    ]
