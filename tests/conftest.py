"""Test configuration: hypothesis runs the same examples on every CI run.

Locally, hypothesis explores new random examples each run (and keeps failing ones in its
database); on CI (``CI`` set) it is derandomized, so a landing is judged on a fixed,
reproducible set of examples.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
