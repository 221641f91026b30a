"""The embedded demo: a local portal built from the sample reports, crawled, extracted, archived and served."""
