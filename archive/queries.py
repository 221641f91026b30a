"""The canned queries researchers and journalists start from (SQL; named parameters become form fields).

Aggregates leave uncertain cells out unless `include_uncertain` is 1, and use the latest version of each report.
`escape_fts`, `zh_snippet` and `hamming_distance` are SQL functions registered by archive/plugins.
"""

from __future__ import annotations

from archive.schema import wide_tables

REASON_PREFIXES = ("denied", "unable", "not_processed", "other")
# Ranked search scores at most this many matches with bm25: FTS5 computes bm25 row by row (phrase hits and the
# row's length from the docsize table), about 5 us a match, so a word found in all 100,000 reports took ~0.5 s.
# Matches are taken in rowid order, and rowids are hashes of the source bytes: a fixed pseudo-random sample.
# bm25 still counts every match once per query for its IDF (one pass over the phrase's matches, no scoring).
RANKED_CANDIDATES = 5000


def refusal_share_sql() -> str:
    """One pass over the wide applications tables (sums per year), unpivoted into one row per reason.

    Built from the declaration: every row of table 三 whose key starts with a reason prefix, in both templates
    (2019 has one 其他处理 row, 2021 three). Reading the wide tables once is what keeps this under the SQL time
    limit at 100,000 reports; the long `cells` table would need 24 random lookups per report."""
    tables = {name: labels for name, labels in wide_tables().items() if name.endswith("_applications")}
    reasons: dict[str, str] = {}
    for labels in tables.values():
        for label in labels:
            if label.col_key == "total" and (
                label.row_key.startswith(REASON_PREFIXES) or label.row_key == "total_processed"
            ):
                reasons.setdefault(label.row_key, label.row_label)
    unions = []
    for name, labels in tables.items():
        present = {label.row_key: label.wide_column for label in labels if label.col_key == "total"}
        columns = ", ".join(f'"{present[key]}" as "{key}"' if key in present else f'null as "{key}"' for key in reasons)
        unions.append(f'select year, report_id, uncertain_cells, {columns} from "{name}"')
    sums = ", ".join(f'sum("{key}") as "{key}"' for key in reasons)
    rows = "\nunion all ".join(
        f"select year, '{key}' as row_key, '{label.replace(chr(39), chr(39) * 2)}' as reason, "
        f'"{key}" as applications, round(100.0 * "{key}" / nullif(total_processed, 0), 2) as share_percent '
        f'from sums where "{key}" is not null'
        for key, label in reasons.items()
        if key != "total_processed"
    )
    return (
        f"with wide as ({' union all '.join(unions)}),\n"
        f"sums as (select year, {sums} from wide\n"
        "  where report_id in (select id from reports where is_latest = 1)\n"
        "    and (uncertain_cells = 0 or :include_uncertain = '1')\n"
        "  group by year)\n"
        f"{rows}\norder by year, applications desc"
    )


QUERIES: dict[str, dict] = {
    "search": {
        "title": "全文检索（按相关度排序） / Ranked full-text search",
        "description": "任意一个或多个汉字的词，忽略换行；按相关度（bm25）排序，带高亮摘要。匹配超过"
        f"{RANKED_CANDIDATES:,}篇报告时，在其中按编号（原文件哈希，相当于固定的随机抽样）取{RANKED_CANDIDATES:,}篇排序；"
        "匹配总数见表格检索（reports?_search=）。Any word of one or more characters, ignoring line breaks; ranked by "
        f"bm25 with highlighted snippets. A word found in more than {RANKED_CANDIDATES:,} reports is ranked within "
        f"{RANKED_CANDIDATES:,} of them taken in id order (ids are hashes of the source bytes: a fixed pseudo-random "
        "sample); the table search (reports?_search=) counts all matches.",
        "sql": f"""with candidates as (
  select max(rowid) as last_rowid from (
    select rowid from reports_fts where reports_fts match escape_fts(:q) order by rowid limit {RANKED_CANDIDATES}
  )
),
hits as (
  select rowid, bm25(reports_fts) as rank from reports_fts
  where reports_fts match escape_fts(:q) and rowid <= (select last_rowid from candidates)
  order by rank limit 50
)
select r.id, r.title, r.year, r.body, r.province, r.city,
  zh_snippet(r.text, :q) as snippet, round(hits.rank, 3) as rank
from hits join reports r on r.id = hits.rowid
order by hits.rank""",
    },
    "numbers_that_do_not_add_up": {
        "title": "数字对不上的报告 / Reports whose numbers do not add up",
        "description": "表内勾稽关系（H1-H4）不成立的检查，按差额大小排序；只标记，不修正。"
        "Failed identity checks, largest difference first; flagged, never corrected.",
        "sql": """select r.id as report_id, r.title, r.year, r.province, r.city, c.rule, c.table_name, c.over,
  c.lhs, c.rhs, c.difference, c.description
from checks c join reports r on r.id = c.report_id
where c.holds = 0 and c.source = 'extract' and (:year = '' or r.year = cast(:year as integer))
order by abs(c.difference) desc
limit 1000""",
    },
    "body_time_series": {
        "title": "某机关的历年数据 / One body's time series",
        "description": "每年一行：新收申请、办理结果、行政复议和行政诉讼（最新版本；不确定的数值默认不计）。"
        "One row a year for one body (body_id from the bodies table).",
        "sql": """select r.year, r.id as report_id, r.template,
  coalesce(a21.new_received__total, a19.new_received__total) as new_received,
  coalesce(a21.granted__total, a19.granted__total) as granted,
  coalesce(a21.total_processed__total, a19.total_processed__total) as total_processed,
  coalesce(a21.carried_forward__total, a19.carried_forward__total) as carried_forward,
  coalesce(l21.review_total, l19.review_total) as review_total,
  coalesce(l21.lit_direct_total, l19.lit_direct_total)
    + coalesce(l21.lit_after_review_total, l19.lit_after_review_total) as litigation_total
from reports r
left join t2021_applications a21 on a21.report_id = r.id
left join t2019_applications a19 on a19.report_id = r.id
left join t2021_review_litigation l21 on l21.report_id = r.id
left join t2019_review_litigation l19 on l19.report_id = r.id
where r.body_id = cast(:body_id as integer) and r.is_latest = 1
  and (coalesce(a21.uncertain_cells, a19.uncertain_cells, 0) = 0 or :include_uncertain = '1')
order by r.year""",
    },
    "bodies_without_report": {
        "title": "某年没有发布报告的机关 / Bodies that published nothing for a year",
        "description": "在其他年度有报告、但该年度没有报告的机关。"
        "Bodies with a report in some year but none for :year.",
        "sql": """select b.id as body_id, b.full_name, b.body_type, b.province, b.city,
  (select max(year) from reports r where r.body_id = b.id) as last_year_with_report
from bodies b
where b.derived = 0 and b.n_reports > 0
  and not exists (select 1 from reports r where r.body_id = b.id and r.year = cast(:year as integer))
order by b.province, b.city, b.full_name
limit 2000""",
    },
    "late_publication": {
        "title": "超过法定期限发布的报告 / Reports published after the legal deadline",
        "description": "2019年度起：政府部门1月31日前，人民政府3月31日前（《条例》第四十九条）。"
        "Since the 2019 reports: departments by 31 January, governments by 31 March of the next year.",
        "sql": """select id as report_id, title, body_type, year, published, deadline, days_late, province, city
from reports
where days_late > 0 and (:year = '' or year = cast(:year as integer))
order by days_late desc
limit 1000""",
    },
    "near_duplicates": {
        "title": "内容雷同的报告 / Near-duplicate reports",
        "description": "同一年度不同机关、全文SimHash相差不超过 :max_bits 位（默认3）的报告对（格式要求禁止内容雷同）。"
        "Pairs of reports of one year by different bodies whose text SimHash differs in at most :max_bits bits.",
        "sql": """with pairs as (
  select a.id as a_id, b.id as b_id from reports a join reports b
    on a.sim_band0 = b.sim_band0 and a.year = b.year and a.id < b.id and a.body_id != b.body_id
    where a.simhash != 0 and a.is_latest = 1 and b.is_latest = 1
  union select a.id, b.id from reports a join reports b
    on a.sim_band1 = b.sim_band1 and a.year = b.year and a.id < b.id and a.body_id != b.body_id
    where a.simhash != 0 and a.is_latest = 1 and b.is_latest = 1
  union select a.id, b.id from reports a join reports b
    on a.sim_band2 = b.sim_band2 and a.year = b.year and a.id < b.id and a.body_id != b.body_id
    where a.simhash != 0 and a.is_latest = 1 and b.is_latest = 1
  union select a.id, b.id from reports a join reports b
    on a.sim_band3 = b.sim_band3 and a.year = b.year and a.id < b.id and a.body_id != b.body_id
    where a.simhash != 0 and a.is_latest = 1 and b.is_latest = 1
)
select ra.year, p.a_id, ra.title as a_title, p.b_id, rb.title as b_title,
  hamming_distance(ra.simhash, rb.simhash) as differing_bits
from pairs p join reports ra on ra.id = p.a_id join reports rb on rb.id = p.b_id
where hamming_distance(ra.simhash, rb.simhash) <= coalesce(cast(nullif(:max_bits, '') as integer), 3)
order by differing_bits, ra.year
limit 500""",
    },
    "version_changes": {
        "title": "同一报告两个版本之间的变化 / What changed between two versions",
        "description": "悄悄替换的报告：给出较新版本的 report_id，列出与上一版本不同的数值。"
        "For a report that replaced an earlier version, every value that differs from the previous version.",
        "sql": """select r.id as report_id, r.previous_id, l.table_name, l.row_label, l.col_label,
  old.value as previous_value, new.value as value
from reports r
join labels l
left join cells new on new.report_id = r.id and new.label_id = l.id
left join cells old on old.report_id = r.previous_id and old.label_id = l.id
where r.id = cast(:report_id as integer) and r.previous_id is not null
  and (new.value is not null or old.value is not null) and new.value is not old.value
order by l.id""",
    },
    "replaced_reports": {
        "title": "有多个版本的报告 / Reports published in more than one version",
        "description": "同一机关同一年度有多个不同文件的报告。Body x year groups with several versions.",
        "sql": """select body_id, body, year, versions, id as latest_report_id, previous_id, published
from reports where versions > 1 and is_latest = 1
order by year desc, body
limit 1000""",
    },
    "refusal_share_by_reason": {
        "title": "按理由统计的不予公开等办理结果占比 / Share of applications refused, by reason, by year",
        "description": "各年度办理结果（总计列）中每种不予公开、无法提供、不予处理和其他处理理由所占百分比；最新版本，"
        "含不确定数值的报告默认不计。Per year, the share of all processed applications (总计 column) by reason; "
        "reports with an uncertain value in table 三 are left out unless include_uncertain = 1.",
        "sql": refusal_share_sql(),
    },
    "new_reports_feed": {
        "title": "新报告（Atom） / New reports (Atom feed)",
        "description": "最新入库的报告；加 .atom 即为订阅源。Newest reports; add .atom for the feed.",
        "sql": """select 'tag:govreports,2024:report/' || id as atom_id, title as atom_title,
  coalesce(published, '1970-01-01') || 'T00:00:00Z' as atom_updated,
  coalesce(page_url, source_url, 'tag:govreports,2024:report/' || id) as atom_link,
  substr(text, 1, 500) as atom_content
from reports
order by published desc, id
limit 100""",
    },
    "search_feed": {
        "title": "检索结果（Atom） / New hits for a search (Atom feed)",
        "description": "某个词的最新命中，最新发布的在前；加 .atom 即为订阅源。Newest reports matching :q.",
        "sql": """with hits as (
  select r.id from reports_fts join reports r on r.id = reports_fts.rowid
  where reports_fts match escape_fts(:q) order by r.published desc limit 100
)
select 'tag:govreports,2024:report/' || r.id as atom_id, r.title as atom_title,
  coalesce(r.published, '1970-01-01') || 'T00:00:00Z' as atom_updated,
  coalesce(r.page_url, r.source_url, 'tag:govreports,2024:report/' || r.id) as atom_link,
  replace(replace(zh_snippet(r.text, :q), char(57344), ''), char(57345), '') as atom_content
from hits join reports r on r.id = hits.id
order by r.published desc""",
    },
}

CHART_FRAGMENT = "#g.mark=line&g.x_column=year&g.x_type=ordinal&g.y_column=new_received&g.y_type=quantitative"
