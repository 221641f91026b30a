"""Downloader middlewares, one job each: canonical URLs, encoding, response classification, capture, robots, retry."""
