"""`chalice local`, with a listen backlog that survives bursts of connections.

Chalice's local server keeps socketserver's default backlog of 5, so a burst of parallel
requests (the concurrency tests, a load test, a busy frontend) gets connections reset.
Usage is exactly chalice's: python scripts/chalice_local.py --stage local --port 8000
"""
import sys
from pathlib import Path

from chalice.cli import cli
from chalice.local import ThreadedHTTPServer

ThreadedHTTPServer.request_queue_size = 128


def main() -> int:
    args = sys.argv[1:]
    # chalice's auto-reloader re-runs sys.argv as a command; make that command this file.
    sys.argv = [sys.executable, str(Path(__file__).resolve()), *args]
    return cli.main(args=['--project-dir', str(Path(__file__).resolve().parent.parent), 'local', *args],
                    prog_name='chalice', obj={}, standalone_mode=True)


if __name__ == '__main__':
    sys.exit(main())
