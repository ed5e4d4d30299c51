# SPDX-License-Identifier: GPL-2.0-or-later
"""The crypt(3) binding the tests cross-check against, for every Debian release.

Python's own crypt module is gone from 3.13 (Debian 13), where the
legacycrypt package (python3-legacycrypt) carries the same API; Debian 12's
Python 3.11 still has crypt.  This is the one place that knows.  Tests put
tests/py on PYTHONPATH and write `import ppcrypt as crypt`.
"""
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        from legacycrypt import *  # noqa: F401,F403  Debian 13
    except ModuleNotFoundError:
        from crypt import *  # noqa: F401,F403  Debian 12
