"""Settings for live-worker drills: the test settings, with email written to files.

The test settings capture email in memory, which another process cannot see. A drill's worker uses
these instead, so every message it sends is a file the test can read and count by Message-ID.
"""

import os

from config.settings.test import *  # noqa: F403

EMAIL_BACKEND = "tests.workers.SlowFileEmailBackend"
EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
