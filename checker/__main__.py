"""``python -m checker``.

A Ctrl-C or SIGTERM that comes while the checker is still starting (importing its modules) ends
it quietly, with 130 or 143: there is nothing to summarise yet. From ``main`` on, the commands
handle both themselves.
"""

import signal
import sys


def _starting(signum, frame):
    sys.exit(143)


signal.signal(signal.SIGTERM, _starting)
try:
    from checker.cli.main import main
except KeyboardInterrupt:
    sys.exit(130)

sys.exit(main())
