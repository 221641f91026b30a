"""Downloader middlewares, one job each: encoding, response classification, capture, robots, retry."""
