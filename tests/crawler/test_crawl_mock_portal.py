"""A crawl of the mock portal (tests/portal/site.py describes it) finds exactly its reports, excludes
the lookalikes with their reasons, classifies blocked and broken responses before storage, and leaves
a raw store whose WARC records, file store and capture index agree."""

from __future__ import annotations

import hashlib
import json

from tests.portal.site import AUDIT, CITY, DEPARTMENT, LOGIN, STATISTICS, YEAR_FOLDER

T = "/zwgk/zfxxgknb"
J = "/bm/jtj/art"
EXPECTED_REPORTS = {
    # (year, body, page path or None, inline, attachment paths)
    (2023, CITY, f"{T}/202401/t20240119_1001.html", True, (f"{T}/202401/P020240119.pdf",)),
    (2022, CITY, f"{T}/202301/t20230120_901.html", False,
     (f"{T}/202301/P020230120.docx", f"{T}/202301/P020230120.pdf")),
    (2021, CITY, None, False, (f"{T}/202201/P020220115.doc",)),
    (2020, CITY, f"{T}/202101/t20210110_700.html", False, (f"{T}/202101/P020210110.pdf",)),
    (2017, CITY, f"{T}/201801/t20180110_400.html", False, ()),
    (2023, DEPARTMENT, f"{J}/2024/1/20/art_123_5001.html", True, ()),
    (2022, DEPARTMENT, f"{J}/2023/1/18/art_123_4001.html", True, (f"{J}/2023/1/18/P020230118.docx",)),
    (2021, DEPARTMENT, None, False, (f"{J}/2022/1/10/P020220110.pdf",)),
    (2016, STATISTICS, f"{YEAR_FOLDER}t20170115_100.html", True, ()),
    (2016, AUDIT, None, False, (f"{YEAR_FOLDER}P020170116.pdf",)),
}


def test_finds_exactly_the_reports_each_with_only_its_own_files(crawl):
    found = {
        (r["year"], r["body"], crawl.path(r["page"] and r["page"]["url"]), r["inline"],
         tuple(sorted(crawl.path(a["url"]) for a in r["attachments"])))
        for r in crawl.reports()
    }
    assert found == EXPECTED_REPORTS
    assert len(crawl.reports()) == len(EXPECTED_REPORTS)


def test_report_records_carry_title_date_portal_and_page_metadata(crawl):
    by_page = {crawl.path(r["page_url"]): r for r in crawl.reports()}
    report = by_page[f"{T}/202401/t20240119_1001.html"]
    assert report["title"] == f"{CITY}2023年政府信息公开工作年度报告"
    assert report["published"] == "2024-01-19"
    assert report["portal"] == "127.0.0.1"
    assert report["metadata"]["索引号"] == "11410000MB0000000X/2024-00001"
    assert report["metadata"]["SiteIDCode"] == "4199000001"
    assert report["page"]["media_type"] == "text/html"
    assert all(url.startswith("http://") for r in crawl.reports() for url in [r["page_url"]] + [
        a["url"] for a in r["attachments"]])


def test_attachments_that_failed_are_listed_as_missing_with_their_outcome(crawl):
    report = next(r for r in crawl.reports() if r["year"] == 2017)
    missing = {crawl.path(item["url"]): item["outcome"] for item in report["missing"]}
    assert missing == {"/files/huge-2017.pdf": "too_large", f"{T}/201801/P020180110.pdf": "html_as_document"}


def test_lookalikes_and_off_site_copies_are_excluded_with_the_reason(crawl):
    with crawl.db() as db:
        rows = db.execute("SELECT url, message FROM events WHERE kind = 'excluded'").fetchall()
    excluded = {row["url"].replace(crawl.base, ""): row["message"] for row in rows}
    assert set(excluded) == {
        "/zwgk/zn.html", f"{T}/202401/t20240110_1000.html", f"{T}/202312/t20231201_990.html",
        f"{T}/202401/t20240120_1002.html", f"{T}/202401/t20240121_1003.html", f"{T}/202305/t20230510_950.html",
        "http://mirror.example.com/copy/2023.html",
    }
    assert "通知" in excluded[f"{T}/202312/t20231201_990.html"]
    assert "解读" in excluded[f"{T}/202401/t20240120_1002.html"]
    assert "图解" in excluded[f"{T}/202401/t20240121_1003.html"]
    assert "company" in excluded[f"{T}/202305/t20230510_950.html"]
    assert "not official" in excluded["http://mirror.example.com/copy/2023.html"]
    assert not any(path in crawl.portal.hits for path in excluded)  # lookalikes are never fetched


def test_blocked_and_broken_responses_are_classified_and_never_stored(crawl):
    with crawl.db() as db:
        rows = db.execute("SELECT url, status, outcome, path FROM captures WHERE outcome != 'ok'").fetchall()
    outcomes = {crawl.path(row["url"]): (row["status"], row["outcome"]) for row in rows}
    assert len(rows) == len(outcomes)  # each once: the loop is cut, the 503 retried to a 200
    assert outcomes == {
        f"{T}/201901/t20190110_500.html": (412, "blocked_ruishu"),
        f"{T}/201701/t20170110_300.html": (200, "soft_404"),
        f"{T}/202001/t20200110_600.html": (404, "not_found"),
        f"{T}/201801/P020180110.pdf": (200, "html_as_document"),
        "/files/huge-2017.pdf": (None, "too_large"),
        "/old/report2020.html": (301, "redirect"),
        "/loop/a.html": (302, "redirect"),
        "/loop/b.html": (302, "redirect"),
        f"{T}/202301/P020230120.docx": (503, "http_error"),
        f"{T}/201501/t20150110_200.html": (302, "redirect"),
        f"{LOGIN}?service={T}/201501/t20150110_200.html": (200, "login_page"),
        f"{T}/201401/t20140110_150.html": (200, "blocked_wzws"),
        f"{T}/201301/t20130110_100.html": (521, "blocked_jsl"),
    }
    assert all(row["path"] is None for row in rows)


def test_login_and_challenge_pages_never_become_reports(crawl):
    years = {r["year"] for r in crawl.reports() if r["body"] == CITY}
    assert not years & {2012, 2013, 2014}
    with crawl.db() as db:
        held = db.execute("SELECT COUNT(*) FROM reports WHERE year IN (2012, 2013, 2014)").fetchone()[0]
    assert held == 0
    assert not any(LOGIN in (item["url"] for item in r["attachments"]) for r in crawl.reports())


def test_a_year_folder_titled_like_a_report_is_walked_as_a_listing_not_taken_for_a_report(crawl):
    assert not any(crawl.path(r["page_url"]) == YEAR_FOLDER for r in crawl.reports())
    with crawl.db() as db:
        event = db.execute("SELECT url, message FROM events WHERE kind = 'listing_not_report'").fetchone()
        role = db.execute("SELECT role FROM captures WHERE url = ?", (crawl.base + YEAR_FOLDER,)).fetchone()[0]
        held = db.execute("SELECT COUNT(*) FROM reports WHERE page_url = ?", (crawl.base + YEAR_FOLDER,)).fetchone()
    assert crawl.path(event["url"]) == YEAR_FOLDER and "2016年政府信息公开年报" in event["message"]
    assert role == "listing" and held[0] == 0
    inside = {r["body"] for r in crawl.reports() if crawl.path(r["page_url"]).startswith(YEAR_FOLDER)}
    assert inside == {STATISTICS, AUDIT}


def test_huge_attachment_is_abandoned_and_recorded(crawl):
    with crawl.db() as db:
        event = db.execute("SELECT url, message FROM events WHERE kind = 'download_abandoned'").fetchone()
    assert crawl.path(event["url"]) == "/files/huge-2017.pdf"
    assert "DOWNLOAD_MAXSIZE" in event["message"]


def test_gb_pages_are_decoded_as_gb18030_declared_or_detected(crawl):
    with crawl.db() as db:
        codecs = dict(db.execute("SELECT url, codec FROM captures WHERE role = 'detail'").fetchall())
    assert codecs[f"{crawl.base}{T}/202101/t20210110_700.html"] == "gb18030 (http-header)"
    assert codecs[f"{crawl.base}{J}/2024/1/20/art_123_5001.html"] == "gb18030 (detected)"
    assert codecs[f"{crawl.base}{T}/202401/t20240119_1001.html"] == "utf-8 (http-header)"
    titles = {r["title"] for r in crawl.reports()}
    assert f"{DEPARTMENT}2023年政府信息公开工作年度报告" in titles  # the undeclared GBK page, read right


def test_robots_txt_is_obeyed_and_the_decision_recorded(crawl):
    with crawl.db() as db:
        host = db.execute("SELECT * FROM hosts WHERE host = '127.0.0.1'").fetchone()
        refused = db.execute("SELECT url FROM events WHERE kind = 'robots_disallowed'").fetchall()
    assert host["robots_decision"] == "obeyed: robots.txt found"
    assert host["disallowed"] == 1
    assert [crawl.path(row["url"]) for row in refused] == ["/private/zfxxgknb/"]
    assert not any(path.startswith("/private/") for path in crawl.portal.hits)


def test_a_url_reached_twice_is_fetched_once(crawl):
    hits = crawl.portal.hits
    assert hits[f"{T}/202401/t20240119_1001.html"] == 1  # also linked with utm_source/spm
    assert hits["/old/report2020.html"] == 1 and hits[f"{T}/202101/t20210110_700.html"] == 1  # redirect + direct
    assert sum(1 for r in crawl.reports() if r["year"] == 2020 and r["body"] == CITY) == 1


def test_redirect_loop_is_cut_and_a_503_is_retried(crawl):
    hits = crawl.portal.hits
    assert hits["/loop/a.html"] == 1 and hits["/loop/b.html"] == 1  # b → a?from=loop is a (canonical): dropped
    assert hits[f"{T}/202301/P020230120.docx"] == 2
    with crawl.db() as db:
        statuses = [row[0] for row in db.execute("SELECT status FROM captures WHERE url LIKE '%P020230120.docx'")]
    assert statuses == [503, 200]


def test_calendar_trap_costs_a_few_requests(crawl):
    calendar = sum(count for path, count in crawl.portal.hits.items() if "/rl/" in path)
    assert 1 <= calendar <= 6


def test_hanweb_listing_is_read_through_dataproxy_posts(crawl):
    windows = [(form["columnid"], form["unitid"], form["webid"]) for form in crawl.portal.posts]
    assert windows == [(["123"], ["456"], ["7"])] * 2  # records 1-45, then 46-90


def test_requests_identify_the_bot_with_a_contact_url(crawl):
    assert len(crawl.portal.user_agents) == 1
    agent = crawl.portal.user_agents.pop()
    crawl.portal.user_agents.add(agent)
    assert agent.startswith("govreports/") and "+https://" in agent


def test_file_store_holds_each_document_under_its_sha256(crawl):
    for report in crawl.reports():
        for item in report["attachments"] + ([report["page"]] if report["page"] else []):
            data = (crawl.out / item["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == item["sha256"]
            assert item["path"] == f"files/{item['sha256'][:2]}/{item['sha256']}.{item['path'].rsplit('.', 1)[1]}"
    kinds = {a["media_type"] for r in crawl.reports() for a in r["attachments"]}
    assert kinds == {"application/pdf", "application/msword",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def test_run_is_recorded_with_its_settings_and_stats(crawl):
    with crawl.db() as db:
        run = db.execute("SELECT * FROM runs").fetchone()
    assert run["finished_at"] and json.loads(run["stats"])["finish_reason"] == "finished"
    assert json.loads(run["settings"])["ROBOTSTXT_OBEY"] is True
