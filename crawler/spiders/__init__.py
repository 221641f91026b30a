"""The crawler's one spider lives in reports.py."""
