"""Title vocabulary: year reported on, issuing body, and whether a title names an annual report."""

import pytest

from vocab.titles import annual_report_year, is_annual_report_title, issuing_body, report_year


@pytest.mark.parametrize(
    ("title", "year", "body"),
    [
        ("党政办公室2023年政府信息公开工作年度报告", 2023, "党政办公室"),
        ("城乡一体化示范区党政办公室 2023 年政府信息公开 工作年度报告", 2023, "城乡一体化示范区党政办公室"),
        ("高新技术产业开发区管理办公室 2023 年政府信息公开工作年度报告", 2023, "高新技术产业开发区管理办公室"),
        ("2023年北京市海淀区人民政府政府信息公开工作年度报告", 2023, "北京市海淀区人民政府"),
        ("三门峡市人民政府信息公开工作年度报告（2022年）", 2022, "三门峡市人民政府"),
        ("宿州市人民政府2019年政府信息公开工作年度报告（图片版）", 2019, "宿州市人民政府"),
        ("二〇二二年度某某县统计局政府信息公开工作年报", 2022, "某某县统计局"),
        ("某某镇２０２１年度政府信息公开年度报告", 2021, "某某镇"),
        ("某某区人民政府办公室关于2023年政府信息公开工作年度报告", 2023, "某某区人民政府办公室"),
        ("某某局政府信息公开工作年度报告（2023年度）", 2023, "某某局"),
        ("某某镇人民政府2021年度政务公开工作年度报告", 2021, "某某镇人民政府"),
        ("2023年度某某街道办事处政府信息公开工作报告", 2023, "某某街道办事处"),
    ],
)
def test_title_gives_year_and_body_as_written(title, year, body):
    assert report_year(title) == year
    assert issuing_body(title) == body


def test_title_without_year_has_no_year():
    assert report_year("某某局政府信息公开工作年度报告") is None
    assert is_annual_report_title("某某局政府信息公开工作年度报告") == (False, "no year in the title")


@pytest.mark.parametrize(
    "title",
    [
        "2024年政务公开工作要点",
        "某某区政府信息公开指南（2023年）",
        "某某局2023年政府信息公开目录及年度报告",
        "关于做好2023年政府信息公开工作年度报告编制发布工作的通知",
        "图解：某某市2023年政府信息公开工作年度报告",
        "某某局2023年度政府信息公开工作年度报告解读",
        "某某股份有限公司2023年年报",
        "某某局2023年工作总结",
    ],
)
def test_lookalikes_are_not_annual_reports(title):
    is_report, reason = is_annual_report_title(title)
    assert not is_report
    assert reason


@pytest.mark.parametrize(
    "title",
    [
        "党政办公室2023年政府信息公开工作年度报告",
        "城乡一体化示范区党政办公室 2023 年政府信息公开 工作年度报告",
        "某某市人民政府办公室2019年政府信息公开年报",
        "某某街道办事处2022年度政务公开工作年度报告",
        "2023年度某某街道办事处政府信息公开工作报告",
    ],
)
def test_annual_report_titles_are_recognised(title):
    assert is_annual_report_title(title) == (True, "year + 政府信息公开 + 年度报告")


@pytest.mark.parametrize(
    "title",
    ["某局2023年政府信息公开工作年度报告", "某局政府信息公开工作年度报告", "2023年政府信息公开工作要点",
     "某公司2023年年报", "二〇二二年度某某县统计局政府信息公开工作年报", "", "  "],
)
def test_an_annual_reports_year_is_its_titles_year_and_none_for_anything_else(title):
    ok, _ = is_annual_report_title(title)
    assert annual_report_year(title) == (report_year(title) if ok else None)
