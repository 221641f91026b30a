"""Issuing bodies: normalisation, type and level, division codes with evidence, ambiguity marked not guessed."""

from __future__ import annotations

import json
import sqlite3

import pytest

from archive.bodies import body_type, divisions, normalise_name, resolve
from tests.archive.corpus import FIXTURES


def sample(prefix: str) -> tuple[str, str]:
    path = next(FIXTURES.glob(f"{prefix}_*.txt"))
    text = path.read_text(encoding="utf-8")
    title = text.strip().splitlines()[0].strip()
    return title.split("20")[0], text


def test_sample_000_is_resolved_from_its_own_text_to_the_sanmenxia_zone():
    name, text = sample("000")
    result = resolve(name, text)
    assert result.division.code == "411271"
    assert result.full_name == "三门峡经济开发区党政办公室"
    assert (result.body_type, result.level, result.ambiguous) == ("部门", "县", False)
    assert result.evidence == [
        {"source": "text", "value": "三门峡经济开发区党政办公室", "code": "411271", "division": "河南三门峡经济开发区"}
    ]


def test_sample_001_is_ambiguous_between_the_four_henan_demonstration_zones():
    name, text = sample("001")
    result = resolve(name, text)
    assert result.division is None and result.ambiguous
    assert result.candidates == ["410472", "410773", "410871", "411372"]


def test_sample_001_is_resolved_when_the_portal_says_where_it_is():
    name, text = sample("001")
    result = resolve(name, text, {"SiteIDCode": "4108000012"})
    assert result.division.code == "410871" and not result.ambiguous
    assert result.evidence[0]["source"] == "SiteIDCode"


def test_sample_002_is_the_jiyuan_high_tech_zone_which_has_no_national_code():
    name, text = sample("002")
    result = resolve(name, text)
    assert result.division.name == "济源高新技术产业开发区" and result.division.system == "custom"
    assert result.full_name == "济源高新技术产业开发区管理办公室"
    assert result.body_type == "开发区管委会"


@pytest.mark.parametrize(
    ("name", "kind", "level", "code"),
    [
        ("郑州市人民政府", "人民政府", "市", "410100"),
        ("金水区人民政府", "人民政府", "县", "410105"),
        ("河南省人民政府", "人民政府", "省", "410000"),
        ("三门峡市财政局", "部门", "市", "411200"),
        ("南阳市城乡一体化示范区管理委员会", "开发区管委会", "县", "411372"),
        ("城关镇人民政府", "乡镇街道", "乡", None),
    ],
)
def test_type_level_and_code_of_common_bodies(name, kind, level, code):
    result = resolve(name)
    assert (result.body_type, result.level) == (kind, level)
    assert (result.division.code if result.division else None) == code


def test_names_are_normalised_without_spaces_or_the_report_title():
    assert normalise_name(" 党政 办公室2023年政府信息公开工作年度报告") == "党政办公室"
    assert normalise_name("ＡＢＣ局") == "ABC局"
    assert body_type("某某街道办事处") == "乡镇街道"


def test_the_shipped_division_table_covers_henan_and_its_functional_zones():
    table = divisions()
    codes = {d.code for d in table if d.code}
    assert {"410000", "411200", "419001"} <= codes
    zones = {d.code for d in table if d.level == "zone" and d.system == "NBS"}
    assert {"410171", "410371", "410472", "410773", "410871", "411271", "411371", "411372"} <= zones
    assert len([d for d in table if d.level == "prefecture"]) == 17


def test_bodies_table_records_evidence_parent_and_ambiguity(archive_db):
    conn = sqlite3.connect(archive_db)
    rows = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT full_name, division_code, ambiguous, candidates, evidence, parent_name, derived FROM bodies"
        )
    }
    conn.close()
    zone_office = rows["三门峡经济开发区党政办公室"]
    assert zone_office[0] == "411271" and json.loads(zone_office[3])[0]["source"] == "text"
    assert zone_office[4] == "三门峡经济开发区管理委员会"
    assert rows["三门峡经济开发区管理委员会"][5] == 1
    assert rows["城乡一体化示范区党政办公室"][1:3] == (1, '["410472", "410773", "410871", "411372"]')
