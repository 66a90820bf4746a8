"""The previous release's test settings, pointed at the database the new migrations left.

pytest --reuse-db then runs that release's tests on it instead of creating a test database.
"""

from config.settings_test import *  # noqa: F403

DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"]}  # noqa: F405
