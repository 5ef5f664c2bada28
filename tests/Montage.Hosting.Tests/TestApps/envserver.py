# A tiny HTTP server for the hosting tests: /health, and /env with its whole environment as JSON.
import http.server
import json
import os


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"ok"
        elif self.path == "/env":
            body = json.dumps(dict(os.environ)).encode()
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.path != "/health":
            print(f"served {self.path}", flush=True)

    def log_message(self, *args):
        pass


port = int(os.environ["PORT"])
print(f"listening on {port}", flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
