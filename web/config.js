// Where the API lives. The one place the web app reads it from: every module imports it
// from here. The local web server (scripts/serve_web.py) may rewrite this line at serve time.
export const API_BASE_URL = 'http://127.0.0.1:8000';
