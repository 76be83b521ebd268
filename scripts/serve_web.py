"""The static web app in web/, served on loopback for `make run` and the browser tests.

A plain http.server with the MIME types browsers insist on (ES modules need a JavaScript
type), `Cache-Control: no-store` so an edit shows on reload, and no directory listings.
With --api-url, /config.js is answered with that API address instead of the file on
disk, so the app talks to an API on another port without the repo file being edited.

Usage: python scripts/serve_web.py [--port 8080] [--dir web] [--api-url http://127.0.0.1:8000]
Standard library only, so it starts fast and runs with any Python 3.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CONFIG_PATH = "/config.js"
_API_LINE = re.compile(r"^[ \t]*export\s+const\s+API_BASE_URL\b.*$", re.MULTILINE)

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".mp3": "audio/mpeg",
    ".txt": "text/plain; charset=utf-8",
    ".map": "application/json",
}


def config_js(web_dir: Path, api_url: str) -> bytes:
    """web/config.js with API_BASE_URL set to api_url (its other lines kept), or just that line."""
    quoted = api_url.replace("\\", "\\\\").replace("'", "\\'")
    line = f"export const API_BASE_URL = '{quoted}';"
    try:
        text = (web_dir / "config.js").read_text(encoding="utf-8")
    except OSError:
        text = ""
    if _API_LINE.search(text):
        # A function replacement, so backslashes in the URL are not read as group references.
        text = _API_LINE.sub(lambda _match: line, text, count=1)
    else:
        text = line + "\n" + text
    return text.encode("utf-8")


class WebHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def __init__(self, *args, api_url: str | None = None, **kwargs) -> None:
        self.api_url = api_url
        super().__init__(*args, **kwargs)

    def _is_config(self) -> bool:
        return self.api_url is not None and self.path.split("?", 1)[0] == CONFIG_PATH

    def do_GET(self) -> None:
        if self._is_config():
            self._send_config(with_body=True)
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        if self._is_config():
            self._send_config(with_body=False)
        else:
            super().do_HEAD()

    def _send_config(self, with_body: bool) -> None:
        body = config_js(Path(self.directory), self.api_url)
        self.send_response(200)
        self.send_header("Content-Type", MIME_TYPES[".js"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def list_directory(self, path):
        # A folder without index.html is a 404, as on a static host, not a file listing.
        self.send_error(404, "Not found")
        return None

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        sys.stdout.write(f"{self.address_string()} - {format % args}\n")
        sys.stdout.flush()


def make_server(web_dir: Path, port: int, api_url: str | None = None,
                host: str = HOST) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(WebHandler, directory=str(web_dir), api_url=api_url)
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--dir", type=Path, default=ROOT / "web", help="folder to serve")
    parser.add_argument("--api-url", help="serve /config.js pointing at this API address")
    args = parser.parse_args(argv)
    server = make_server(args.dir.resolve(), args.port, args.api_url)
    print(f"serving {args.dir.resolve()} on http://{HOST}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
