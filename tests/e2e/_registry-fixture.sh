# shellcheck shell=bash disable=SC2034 # (sourced: it sets variables for its caller)
# _registry-fixture.sh - a real OCI registry on loopback for tests and benches
# (sourced, not run; the leading '_' keeps run-tests.sh from running it).
#
#   reg_have_tools               0 when docker-registry, skopeo, python3 (and htpasswd) are there; else why on stdout
#   reg_build_image DIR [KiB...] an OCI layout in DIR: a two-platform index (linux/amd64, linux/arm64), each
#                                image a config and gzip'd tar layers of random bytes (default 512 256 128 KiB)
#   reg_start DIR [USER PASS]    docker-registry on 127.0.0.1:<free port>, config and storage under DIR,
#                                htpasswd (bcrypt) Basic auth when USER is given; sets REG_PORT, REG_URL, REG_PID.
#                                REG_STORAGE=DIR2/storage serves another instance's storage (read-only use);
#                                REG_REALM=URL gives `silly` auth: a real Bearer challenge naming that realm
#                                (service "test") that accepts any Authorization header, so the token realm
#                                (reg_helper token) is what decides (FACTS.md)
#                                REG_PROXY=URL makes it a pull-through cache of the registry at URL
#                                REG_TLS=CADIR (from reg_make_ca) serves https with that CA's server certificate
#   reg_make_ca DIR              a CA (DIR/ca.pem) and a server certificate for IP 127.0.0.1 signed by it (openssl)
#   reg_push DIR REPO:TAG        skopeo copy --all --preserve-digests of the layout in DIR (USER PASS from reg_start)
#   reg_stop                     stop it (also done by reg_stop_all in the caller's EXIT trap)
#
# Only loopback is ever used: the registry binds 127.0.0.1 and every client talks to it there.
# After reg_build_image: REG_INDEX_DIGEST, REG_AMD64_DIGEST, REG_ARM64_DIGEST, REG_AMD64_BYTES, REG_ARM64_BYTES
# (config + layer sizes of each platform's image), REG_AMD64_LAYER (one layer digest of the amd64 image).

REG_PIDS=()

reg_have_tools() {
	local t
	for t in docker-registry skopeo python3 htpasswd; do
		command -v "$t" >/dev/null 2>&1 || { echo "$t not installed"; return 1; }
	done
}

reg_build_image() {
	local dir=$1; shift
	local out
	out=$(/usr/bin/python3 - "$dir" "${@:-512 256 128}" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
d = sys.argv[1]
kib = [int(x) for a in sys.argv[2:] for x in a.split()]
blobs = os.path.join(d, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)
def put(data):
    h = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, h), "wb") as f:
        f.write(data)
    return "sha256:" + h, len(data)
def layer(name, size):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        ti = tarfile.TarInfo(name); ti.size = size; ti.mtime = 0
        t.addfile(ti, io.BytesIO(os.urandom(size)))
    tar = raw.getvalue()
    return put(gzip.compress(tar, mtime=0)), "sha256:" + hashlib.sha256(tar).hexdigest()
def image(arch, sizes):
    layers, diffs = [], []
    for i, s in enumerate(sizes):
        (dg, n), diff = layer(f"{arch}/layer{i}.bin", s * 1024)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": dg, "size": n})
        diffs.append(diff)
    cfg = json.dumps({"architecture": arch, "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
    cd, cn = put(cfg)
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                      "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
                      "layers": layers}).encode()
    md, mn = put(man)
    return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": mn,
            "platform": {"architecture": arch, "os": "linux"}}, cn + sum(l["size"] for l in layers), layers[0]["digest"]
amd, amd_bytes, amd_layer = image("amd64", kib)
arm, arm_bytes, _ = image("arm64", kib[:1] + [max(1, k // 2) for k in kib[1:]])
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                  "manifests": [amd, arm]}).encode()
xd, xn = put(idx)
with open(os.path.join(d, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
with open(os.path.join(d, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
               "digest": xd, "size": xn, "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, f)
print(xd, amd["digest"], arm["digest"], amd_bytes, arm_bytes, amd_layer)
PY
) || return 1
	read -r REG_INDEX_DIGEST REG_AMD64_DIGEST REG_ARM64_DIGEST REG_AMD64_BYTES REG_ARM64_BYTES REG_AMD64_LAYER <<<"$out"
}

reg_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

reg_start() {
	local dir=$1 user=${2:-} pass=${3:-} i
	mkdir -p "$dir/storage"
	REG_PORT=$(reg_free_port)
	REG_URL=http${REG_TLS:+s}://127.0.0.1:$REG_PORT
	REG_DIR=$dir REG_USER=$user REG_PASS=$pass
	{
		echo "version: 0.1"
		echo "log: {level: error, accesslog: {disabled: true}}"
		echo "storage: {filesystem: {rootdirectory: ${REG_STORAGE:-$dir/storage}}, delete: {enabled: true}}"
		echo "http: {addr: 127.0.0.1:$REG_PORT, secret: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')${REG_TLS:+, tls: {certificate: $REG_TLS/server.pem, key: $REG_TLS/server.key\}}}"
		if [ -n "$user" ]; then
			htpasswd -Bbn "$user" "$pass" >"$dir/htpasswd" 2>/dev/null || return 1
			echo "auth: {htpasswd: {realm: shakedown-test, path: $dir/htpasswd}}"
		elif [ -n "${REG_REALM:-}" ]; then
			echo "auth: {silly: {realm: $REG_REALM, service: test}}"
		fi
		[ -z "${REG_PROXY:-}" ] || echo "proxy: {remoteurl: $REG_PROXY}"
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
	REG_PID=$!
	REG_PIDS+=("$REG_PID")
	for i in $(seq 100); do
		/usr/bin/python3 - "$REG_PORT" <<'PY' 2>/dev/null && return 0
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
PY
		kill -0 "$REG_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "docker-registry did not start on 127.0.0.1:$REG_PORT:" >&2
	tail -5 "$dir/registry.log" >&2
	return 1
}

reg_make_ca() {
	local d=$1
	mkdir -p "$d"
	(
		cd "$d" &&
			openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=shakedown-test-ca &&
			openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 &&
			printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext.cnf &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf \
				-out server.pem
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; return 1; }
}

reg_push() {
	local layout=$1 dest=$2 auth=()
	if [ -n "${REG_USER:-}" ]; then
		/usr/bin/python3 -c 'import base64,json,sys; print(json.dumps({"auths": {sys.argv[1]: {"auth": base64.b64encode((sys.argv[2]+":"+sys.argv[3]).encode()).decode()}}}))' \
			"127.0.0.1:$REG_PORT" "$REG_USER" "$REG_PASS" >"$REG_DIR/push-auth.json"
		auth=(--dest-authfile "$REG_DIR/push-auth.json")
	fi
	timeout 120 skopeo --insecure-policy copy -q --all --preserve-digests --dest-tls-verify=false "${auth[@]}" \
		"oci:$layout:v1" "docker://127.0.0.1:$REG_PORT/$dest" >"$REG_DIR/push.log" 2>&1 ||
		{ cat "$REG_DIR/push.log" >&2; return 1; }
}

# The file in the registry's storage that holds blob DIGEST (distribution's filesystem layout).
reg_blob_path() {
	local h=${1#sha256:}
	echo "$REG_DIR/storage/docker/registry/v2/blobs/sha256/${h:0:2}/$h/data"
}

reg_stop() {
	[ -n "${REG_PID:-}" ] || return 0
	kill -CONT "$REG_PID" 2>/dev/null
	kill "$REG_PID" 2>/dev/null
	wait "$REG_PID" 2>/dev/null
	REG_PID=
}

reg_stop_all() {
	local p
	for p in "${REG_PIDS[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	REG_PIDS=()
}

# reg_helper DIR MODE [ARGS]: a small HTTP server of ours on 127.0.0.1:<free port> (sets HELPER_PORT, HELPER_URL):
#   token USER PASS             a Bearer token realm at /token (checks service=test and a repository:...:pull
#                               scope; with USER, Basic credentials too); answers {"token": ..., "expires_in": 60}
#   proxy UPSTREAM_PORT FAULT   forwards GETs to the registry at 127.0.0.1:UPSTREAM_PORT, and for blob requests
#                               injects FAULT: 429:N:RETRY_AFTER (the first N answer 429), 503:N, stall (headers,
#                               half the body, then silence for 30s at most), truncate (half the body, then close),
#                               redirect (307 to /r/<path> on the same server, which serves it), none
reg_helper() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	HELPER_PORT=$(reg_free_port)
	HELPER_URL=http://127.0.0.1:$HELPER_PORT
	cat >"$dir/helper.py" <<'PY'
import base64, http.client, http.server, json, os, sys, threading, time, urllib.parse
port, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
lock = threading.Lock()
count = [0]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        (self.token if mode == "token" else self.proxy)()
    def token(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path != "/token" or q.get("service") != ["test"] or not q.get("scope", [""])[0].endswith(":pull"):
            return self.reply(400, b'{"errors":[{"code":"BAD_REQUEST"}]}')
        if args and args[0]:
            want = "Basic " + base64.b64encode((args[0] + ":" + args[1]).encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        self.reply(200, json.dumps({"access_token": "tok-" + os.urandom(8).hex(), "expires_in": 60}).encode(),
                   [("Content-Type", "application/json")])
    def proxy(self):
        path = self.path[2:] if self.path.startswith("/r/") else self.path
        fault = args[1].split(":")
        blob = "/blobs/" in path and not self.path.startswith("/r/")
        if blob:
            with lock:
                count[0] += 1
                n = count[0]
            if fault[0] in ("429", "503") and n <= int(fault[1]):
                h = [("Retry-After", fault[2])] if fault[0] == "429" and len(fault) > 2 else []
                return self.reply(int(fault[0]), b'{"errors":[{"code":"TOOMANYREQUESTS"}]}', h)
            if fault[0] == "redirect":
                return self.reply(307, b"", [("Location", "/r" + path)])
        up = http.client.HTTPConnection("127.0.0.1", int(args[0]), timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "authorization")}
        up.request("GET", path, headers=hdrs)
        r = up.getresponse()
        body = r.read()
        up.close()
        hs = [(k, v) for k, v in r.getheaders() if k.lower() in ("content-type", "docker-content-digest",
                                                                "www-authenticate", "location")]
        if blob and r.status == 200 and fault[0] in ("stall", "truncate"):
            self.send_response(200)
            for k, v in hs:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if fault[0] == "stall":
                time.sleep(30)
            self.close_connection = True
            return
        self.reply(r.status, body, hs)
http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
	/usr/bin/python3 "$dir/helper.py" "$HELPER_PORT" "$@" >"$dir/helper.log" 2>&1 &
	REG_PIDS+=("$!")
	for i in $(seq 50); do
		/usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $HELPER_PORT), timeout=0.2).close()" \
			2>/dev/null && return 0
		sleep 0.1
	done
	echo "helper $* did not start" >&2
	return 1
}
