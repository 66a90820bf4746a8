"""The Korean catalogue is complete: a fuzzy or untranslated entry would show in English."""

import shutil
import subprocess
from pathlib import Path

import pytest

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def test_korean_catalogue_has_no_fuzzy_or_untranslated_entry():
    if shutil.which("msgfmt") is None:
        pytest.fail("msgfmt is missing: run `make test`, which installs Debian's gettext")
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert "fuzzy" not in statistics and "untranslated" not in statistics, statistics
