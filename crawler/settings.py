"""Scrapy settings for the govreports crawler.

Every setting that differs from Scrapy's default says the default next to it. Politeness comes from
AutoThrottle (adaptive to each host's latency) with at most two requests at a time per host, not from a
fixed delay: `scrapy startproject`'s template (one request per domain, 1 s delay) crawls a 55-page
portal in about a minute instead of two seconds.
"""

BOT_NAME = "govreports"  # default: "scrapybot"
SPIDER_MODULES = ["crawler.spiders"]  # default: []
NEWSPIDER_MODULE = "crawler.spiders"  # default: ""

# Identify the bot and give a contact URL. Default: "Scrapy/VERSION (+https://scrapy.org)".
USER_AGENT = "govreports/0.1 (+https://github.com/govreports/govreports; archive of 政府信息公开年度报告)"

# Politeness.
ROBOTSTXT_OBEY = True  # default: False
CONCURRENT_REQUESTS = 16  # default: 16 (unchanged, stated because the per-host limit below depends on it)
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # default: 8
DOWNLOAD_DELAY = 0  # default: 0 (unchanged; AutoThrottle decides the delay from observed latency)
AUTOTHROTTLE_ENABLED = True  # default: False
AUTOTHROTTLE_START_DELAY = 0.5  # default: 5.0 — a 5 s start makes small portals crawl for minutes
AUTOTHROTTLE_MAX_DELAY = 30.0  # default: 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.5  # default: 1.0 — on average 1.5 requests in flight per host

# Limits.
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024  # default: 1 GiB — bigger attachments are abandoned and recorded
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024  # default: 32 MiB
DOWNLOAD_TIMEOUT = 60  # default: 180 s
RETRY_ENABLED = True  # default: True
RETRY_TIMES = 3  # default: 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]  # default: the same list
RETRY_BACKOFF_BASE = 2.0  # our own: retry n waits base**n seconds (see crawler.middlewares.retry)
RETRY_BACKOFF_MAX = 60.0  # our own: cap of that wait
REDIRECT_MAX_TIMES = 5  # default: 20 — redirect loops are cut early
DEPTH_LIMIT = 60  # default: 0 (unlimited) — a backstop only (plain 下一页 pagination adds a level per page);
# traps are bounded by the spider's own budgets below
DEPTH_PRIORITY = 0  # default: 0
COOKIES_ENABLED = True  # default: True (some portals need a session cookie for the listing)
TELNETCONSOLE_ENABLED = False  # default: True
FEED_EXPORT_ENCODING = "utf-8"  # default: None (\u escapes)
CONCURRENT_ITEMS = 16  # default: 100 — a response's output goes through this many coiterators; ours are a handful

# Downloader middlewares. process_response runs from the highest number down: our middlewares sit
# above RedirectMiddleware (600) so that every HTTP exchange, redirects and retried 5xx included, is
# decoded, classified and then stored before Scrapy's own middlewares act on it.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.canonical.CanonicalUrlMiddleware": 50,
    # default: HttpCompressionMiddleware at 590. Disabled so that servers send the bytes as they are
    # (no Accept-Encoding): the WARC then holds the payload whose digest the file store uses.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    # default: RobotsTxtMiddleware at 100; ours records each host's robots.txt decision.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.RecordingRobotsTxtMiddleware": 100,
    # default: RetryMiddleware at 550; ours waits with exponential backoff before a retry.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    "crawler.middlewares.encoding.EncodingMiddleware": 690,
    "crawler.middlewares.responses.ResponseClassificationMiddleware": 680,
    "crawler.middlewares.capture.CaptureMiddleware": 670,
    # Scale (crawler.health, crawler.resume, crawler.incremental): requests to hosts the health ledger
    # skips are dropped first; a capture an incomplete run already made is answered from the store; the
    # conditional-request/304/gone logic sits below the capture middleware, above RedirectMiddleware.
    "crawler.health.HostSkipMiddleware": 50,
    "crawler.resume.ResumeMiddleware": 640,
    "crawler.incremental.IncrementalMiddleware": 650,
}

ITEM_PIPELINES = {
    "crawler.pipelines.DiscoveryPipeline": 300,
}

EXTENSIONS = {
    "crawler.extensions.ReportsExport": 500,
    "crawler.health.HealthExtension": 400,  # before ReportsExport: its ledger is written before the store closes
}

# The raw store. OUT_DIR is where WARC files, captures.db, files/ and reports.jsonl go.
OUT_DIR = "out"
WARC_MAX_SIZE = 1024 * 1024 * 1024  # rotate WARC files at about 1 GiB
# Seeds: the portals file (used when no -a url=... is given).
SEEDS_FILE = "seeds/portals.csv"
# Trap bounds: a chain of listing pages that brings nothing new stops after this many pages, and no
# host gets more listing/column pages than the budget (calendars, endless pagination).
BARREN_LISTING_LIMIT = 3
HOST_LISTING_BUDGET = 1000
LISTING_PAGES_MAX = 500  # pages per paginated listing (TRS countPage, Hanweb records, gkmlpt pages)

# Scale (README "Re-crawls, resuming and distributed crawling").
INDEX_COMMIT_SECONDS = 5.0  # commit captures.db at least this often: a kill loses at most that much (crawler.resume)
# Distributed crawling (crawler.distributed): DISTRIBUTED=1 shares scrapy-redis's scheduler and dupefilter.
ADDONS = {"crawler.distributed.DistributedAddon": 0}  # default: {}
DISTRIBUTED = False
REDIS_URL = "redis://127.0.0.1:6379/0"  # scrapy-redis's setting
DISTRIBUTED_JOB = "default"  # Redis keys govreports:<job>:...; a new crawl takes a new job name
DISTRIBUTED_IDLE_TIMEOUT = 120.0  # seconds an idle worker waits for busy ones before it stops
DISTRIBUTED_HEARTBEAT_TTL = 5  # seconds a killed worker's heartbeat outlives it
# Portal and host health (crawler.health).
HEALTH_FAILING_RATIO = 0.5  # a host failing this share of its requests in a run is failing
HEALTH_SLOW_DELAY = 5.0  # seconds between requests to a failing host, doubled per failing run
HEALTH_SKIP_AFTER = 3  # failing runs in a row after which a host is skipped...
HEALTH_PROBE_EVERY = 3  # ...except every this many runs, to notice it recovered

LOG_LEVEL = "INFO"  # default: "DEBUG"
