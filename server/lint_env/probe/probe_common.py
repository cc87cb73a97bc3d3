"""What the probe's parent (probe.py) and its child (probe_child.py) share: the markers
of their stderr/stdout protocol and three small helpers.

Stdlib only, Python 3.8+ (it runs inside the interpreter being checked).
"""

import re
import sys

PROGRESS = "@@lint-env-progress "  # stderr lines the runner shows as progress
DATA = "@@lint-env-data "  # stdout lines of the child: one JSON object each
STDERR_TAIL = 4000  # characters of a stderr kept in the report


def progress(msg):
    try:
        sys.stderr.write(PROGRESS + msg + "\n")
        sys.stderr.flush()
    except Exception:
        pass


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def short_error(exc, limit=2000):
    text = "%s: %s" % (type(exc).__name__, exc)
    return text if len(text) <= limit else text[:limit] + "..."
