"""Zip entries with a fixed date, so that regenerated fixtures are byte-identical (shared by the generators)."""
import zipfile

FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def entry(name, compression=zipfile.ZIP_STORED):
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = compression
    return info
