"""Arbitration between OCR engines on cell dicts: identities pick among readings, doubtful cells are flagged."""

from __future__ import annotations

import random

from extract.ocr_arbitrate import arbitrate, equations
from extract.template import load_template
from tests.extract.scanned_report import random_values

TEMPLATE = load_template("2021")
APPLICATIONS = TEMPLATE.tables["applications"]
NEW = APPLICATIONS.rows[0].label
PERSON = APPLICATIONS.cols[0].label


def cells_of(values: dict) -> list[dict]:
    return [
        {"table": t, "row": r, "col": c, "value": v, "method": "text", "uncertain": False}
        for (t, r, c), v in values.items()
    ]


def truth(seed: int = 7) -> dict:
    return random_values(TEMPLATE, random.Random(seed))


def misread(values: dict, key: tuple, value: float) -> dict:
    return {**values, key: value}


def by_key(cells: list[dict]) -> dict:
    return {(c["table"], c["row"], c["col"]): c for c in cells}


def test_identities_expand_to_one_equation_per_row_or_column():
    eqs = equations(TEMPLATE)
    assert sum(eq.rule == "H1" for eq in eqs) == 7
    assert sum(eq.rule == "H2" for eq in eqs) == 7
    assert sum(eq.rule == "H3" for eq in eqs) == 25
    assert sum(eq.rule.startswith("H4") for eq in eqs) == 3


def test_engines_that_agree_on_a_consistent_report_confirm_every_cell():
    values = truth()
    result = arbitrate({"rapidocr": cells_of(values), "tesseract": cells_of(values)}, "2021")
    assert len(result.cells) == 200
    assert all(c["method"] == "ocr" and not c["uncertain"] for c in result.cells)
    assert {k: c["value"] for k, c in by_key(result.cells).items()} == values
    assert result.warnings == []


def test_identities_choose_the_right_reading_where_engines_disagree():
    values = truth()
    key = ("applications", NEW, PERSON)
    wrong = values[key] + 70  # 1 read as 7, say
    for first, second in ((misread(values, key, wrong), values), (values, misread(values, key, wrong))):
        result = arbitrate({"rapidocr": cells_of(first), "tesseract": cells_of(second)}, "2021")
        cell = by_key(result.cells)[key]
        assert cell["value"] == values[key]
        assert not cell["uncertain"]
        assert result.disagreements == 1


def test_a_cell_both_engines_misread_is_uncertain_never_silently_wrong():
    values = truth()
    key = ("applications", NEW, PERSON)
    result = arbitrate(
        {
            "rapidocr": cells_of(misread(values, key, values[key] + 1)),
            "tesseract": cells_of(misread(values, key, values[key] + 2)),
        },
        "2021",
    )
    cell = by_key(result.cells)[key]
    assert cell["uncertain"]
    assert [w for w in result.warnings if (w["table"], w["row"], w["col"]) == key]
    wrong = [c for k, c in by_key(result.cells).items() if c["value"] != values[k]]
    assert wrong and all(c["uncertain"] for c in wrong)


def test_a_single_engine_reading_is_confirmed_by_identities_or_flagged():
    values = truth()
    key = ("applications", NEW, PERSON)
    partial = {k: v for k, v in values.items() if k != key}
    right = arbitrate({"rapidocr": cells_of(values), "tesseract": cells_of(partial)}, "2021")
    assert not by_key(right.cells)[key]["uncertain"]
    assert right.single_readings == 1
    wrong = arbitrate({"rapidocr": cells_of(misread(values, key, values[key] + 3)), "tesseract": cells_of(partial)},
                      "2021")
    assert by_key(wrong.cells)[key]["uncertain"]
    assert by_key(wrong.cells)[key]["value"] == values[key] + 3  # kept as read, flagged, not "corrected"


def test_a_cell_no_engine_read_stays_absent():
    values = truth()
    key = ("applications", NEW, PERSON)
    partial = {k: v for k, v in values.items() if k != key}
    result = arbitrate({"rapidocr": cells_of(partial), "tesseract": cells_of(partial)}, "2021")
    assert key not in by_key(result.cells)
    assert len(result.cells) == 199


def test_a_report_whose_own_numbers_violate_an_identity_is_not_corrected():
    values = random_values(TEMPLATE, random.Random(3), violate=True)
    key = ("applications", NEW, PERSON)
    result = arbitrate({"rapidocr": cells_of(values), "tesseract": cells_of(values)}, "2021")
    assert by_key(result.cells)[key]["value"] == values[key]
    assert by_key(result.cells)[key]["uncertain"]  # both of its equations fail: nothing vouches for it


def test_art20_cells_have_no_identity_and_need_the_engines_to_agree():
    values = truth()
    art20 = next(k for k in values if k[0] == "art20")
    result = arbitrate(
        {"rapidocr": cells_of(misread(values, art20, values[art20] + 5)), "tesseract": cells_of(values)}, "2021"
    )
    assert by_key(result.cells)[art20]["uncertain"]
    assert sum(c["uncertain"] for c in result.cells) == 1


def test_a_row_read_into_the_wrong_row_adds_up_across_but_its_columns_leave_it_uncertain():
    values = truth(11)
    rows = APPLICATIONS.rows
    source, target = rows[2].label, rows[4].label  # （一）予以公开's numbers read as 1.属于国家秘密's
    misplaced = {
        key: (values[("applications", source, key[2])] if key[0] == "applications" and key[1] == target else value)
        for key, value in values.items()
    }
    assert misplaced != values
    result = arbitrate({"rapidocr": cells_of(misplaced), "tesseract": cells_of(misplaced)}, "2021")
    wrong = [c for k, c in by_key(result.cells).items() if c["value"] != values[k]]
    assert wrong and all(c["uncertain"] for c in wrong)


def test_a_loose_label_match_keeps_a_cell_uncertain_even_when_the_sums_hold():
    values = truth()
    key = ("applications", NEW, PERSON)
    loose = [{**c, "uncertain": (c["table"], c["row"], c["col"]) == key} for c in cells_of(values)]
    result = arbitrate({"rapidocr": loose, "tesseract": loose}, "2021")
    assert by_key(result.cells)[key]["uncertain"]
    assert "loosely" in next(w["message"] for w in result.warnings if w["row"] == NEW and w["col"] == PERSON)
    assert sum(c["uncertain"] for c in result.cells) == 1


def test_the_2019_template_is_arbitrated_by_its_own_identities():
    template = load_template("2019")
    values = random_values(template, random.Random(5))
    table = template.tables["applications"]
    key = ("applications", table.rows[-1].label, table.cols[-1].label)
    result = arbitrate(
        {"rapidocr": cells_of(misread(values, key, values[key] + 10)), "tesseract": cells_of(values)}, "2019"
    )
    assert len(result.cells) == len(template.cells)
    assert by_key(result.cells)[key]["value"] == values[key]
    assert not any(c["uncertain"] for c in result.cells)
