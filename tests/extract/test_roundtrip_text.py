"""The broken text a layout-less PDF extractor produces (labels split over lines, the 7th value wrapped onto
its own line, header tokens one per line), in UTF-8 or GBK, parses back to every cell exactly."""

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from extract.pipeline import extract_bytes
from tests.generate import cell_mismatches, failing_rules, render_broken_text, reports


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(report=reports(), gbk=st.booleans())
def test_broken_pdf_text_parses_back_to_every_cell(report, gbk):
    data = render_broken_text(report).encode("gb18030" if gbk else "utf-8")
    record = extract_bytes(data, {"path": "generated.txt"})
    assert record["errors"] == []
    assert cell_mismatches(record, report) == {}
    assert failing_rules(record) == set(report.violated)
