#!/usr/bin/env python3
"""registry_stub.py ENTRIES.json: a stand-in Beckn registry for the tests.
Answers POST /lookup with the entries of ENTRIES.json whose fields equal
every field of the query (v1 registry.yaml's Subscription shape); prints
its port on the first line.  Any other path gets 404."""
import http.server, json, sys
entries = json.load(open(sys.argv[1]))
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != '/lookup':
            self.send_response(404); self.end_headers(); return
        q = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        out = [e for e in entries if all(e.get(k) == v for k, v in q.items())]
        b = json.dumps(out).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json'); self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
