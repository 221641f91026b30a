"""A mock government portal served on 127.0.0.1, as nasty as real ones (see site.py)."""
