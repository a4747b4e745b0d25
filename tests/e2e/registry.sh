# registry.sh - the registry probe against a real docker-registry on loopback
# (tests/e2e/_registry-fixture.sh): a two-platform image of random layers
# pushed with skopeo, pulled by tag and by digest (schema-valid, bytes = the
# blobs' sizes), the other platform, unknown tag/repository/digest/platform,
# repeats (cold/warm) and a herd of 4; `store` as an OCI layout skopeo reads
# back (a corrupt blob never stored); a blob corrupted in the registry's
# storage and an injected corruption (digest mismatch: failed); a pull-through
# cache (cold fills it, warm hits it); a proxy of ours injecting 429 with
# Retry-After (honoured, counted, beyond the budget), 503, redirects, a
# truncated body and a stall; Bearer tokens from a realm of ours (silly auth);
# TLS with a CA made here (ca_bundle, refused without, insecure on request);
# htpasswd Basic auth from an environment variable and a config.json, wrong
# and missing credentials, the password never in any output; a closed port, a
# stopped registry (stall) and a killed one, each a clear error within its
# timeout. Only 127.0.0.1 is contacted. Skips with a reason without the tools.
. tests/e2e/_lib.sh
. tests/e2e/_registry-fixture.sh
trap 'reg_stop_all; [ -n "${KEEP:-}" ] && cp -r "$TMP" "$KEEP"; rm -rf "$TMP"' EXIT
P=$B/bin/probes/registry
if ! why=$(reg_have_tools); then
	echo "  skip registry e2e: $why"
	finish
	exit
fi
m() { jget "$1" "[m['value'] for m in d['metrics'] if m['name']=='$2' and m.get('labels',{}).get('pull','cold')=='${3:-cold}'][0]"; }
st() { jget "$1" "d['status'] + ': ' + str(d['reason'])"; }
run() { local out=$1; shift; timeout 60 "$P" "$@" >"$TMP/$out.json" 2>"$TMP/$out.log"; }

expect "fixture image built" reg_build_image "$TMP/img"
expect "registry started on 127.0.0.1" reg_start "$TMP/reg"
expect "image pushed with skopeo" reg_push "$TMP/img" test/app:v1
U=(--url="$REG_URL" --repository=test/app)
PW="pw-$RANDOM-S3cret-$RANDOM" # the secret: must appear in no result or log

run tag "${U[@]}" --reference=v1
expect "pull by tag: exit 0" [ $? -eq 0 ]
expect "pull by tag: schema-valid" schema probe-result "$TMP/tag.json"
expect "pull by tag: ok" [ "$(st "$TMP/tag.json")" = "ok: None" ]
expect "bytes = config + layer sizes of linux/amd64 ($REG_AMD64_BYTES)" [ "$(m "$TMP/tag.json" bytes)" = "$REG_AMD64_BYTES" ]
expect "the linux/amd64 manifest was chosen from the index" \
	[ "$(jget "$TMP/tag.json" "d['env']['manifest_digest']")" = "$REG_AMD64_DIGEST" ]
for k in ping_time manifest_time first_byte_time pull_time throughput; do
	expect "$k is positive" /usr/bin/python3 -c "import sys; sys.exit(not $(m "$TMP/tag.json" $k) > 0)"
done
expect "a layer_throughput per layer (3)" [ "$(jget "$TMP/tag.json" "len([m for m in d['metrics'] if m['name']=='layer_throughput'])")" = 3 ]
expect "no auth asked: no auth_time" [ "$(jget "$TMP/tag.json" "[m['name'] for m in d['metrics'] if m['name']=='auth_time']")" = "[]" ]
expect "retries 0" [ "$(m "$TMP/tag.json" retries)" = 0 ]

run idx "${U[@]}" --reference="$REG_INDEX_DIGEST"
expect "pull by index digest: ok, same image" [ "$(jget "$TMP/idx.json" "d['status'] + ' ' + d['env']['manifest_digest']")" = "ok $REG_AMD64_DIGEST" ]
run man "${U[@]}" --reference="$REG_AMD64_DIGEST"
expect "pull by manifest digest: ok" [ "$(st "$TMP/man.json")" = "ok: None" ]
expect "pull by digest: schema-valid" schema probe-result "$TMP/man.json"

run arm "${U[@]}" --reference=v1 --platform=linux/arm64
expect "linux/arm64 resolved from the index" [ "$(jget "$TMP/arm.json" "d['status'] + ' ' + d['env']['manifest_digest']")" = "ok $REG_ARM64_DIGEST" ]
expect "linux/arm64 bytes ($REG_ARM64_BYTES)" [ "$(m "$TMP/arm.json" bytes)" = "$REG_ARM64_BYTES" ]
run s390 "${U[@]}" --reference=v1 --platform=linux/s390x
expect "a platform not in the index: not found, naming those on offer" grep -q '"reason":"not found: test/app:v1: no manifest for platform linux/s390x in the index (it has: linux/amd64, linux/arm64)"' "$TMP/s390.json"

run nope "${U[@]}" --reference=nope
expect "unknown tag: error 'not found' with MANIFEST_UNKNOWN" [ "$(st "$TMP/nope.json")" = "error: not found: manifest test/app:nope: HTTP 404 (MANIFEST_UNKNOWN)" ]
expect "unknown tag: schema-valid" schema probe-result "$TMP/nope.json"
run norepo --url="$REG_URL" --repository=no/such --reference=v1
expect "unknown repository: not found" grep -q '"reason":"not found: manifest no/such:v1: HTTP 404' "$TMP/norepo.json"
run baddig "${U[@]}" --reference="sha256:$(printf '%064d' 0)"
expect "unknown digest: not found" grep -q '"reason":"not found: manifest test/app:sha256:0000' "$TMP/baddig.json"
timeout 10 "$P" "${U[@]}" --reference='v1;rm' >/dev/null 2>&1
expect "a hostile reference is refused before any request" grep -q . <(timeout 10 "$P" "${U[@]}" --reference='v1;rm' 2>/dev/null | grep '"reason":"reference')

run rep "${U[@]}" --reference=v1 --repeat=3 --concurrency=2
expect "repeat 3: ok, schema-valid" schema probe-result "$TMP/rep.json"
expect "repeat 3: one cold pull_time sample, two warm" [ "$(jget "$TMP/rep.json" "[len(m['samples']) for m in d['metrics'] if m['name']=='pull_time']")" = "[1, 2]" ]
run herd "${U[@]}" --reference=v1 --herd=4
expect "herd 4: ok, schema-valid" schema probe-result "$TMP/herd.json"
expect "herd 4: p50 <= p90 <= p99 <= max, labelled herd=4" [ "$(jget "$TMP/herd.json" \
	"(lambda v: v == sorted(v) and len(v) == 4)([m['value'] for p in ('p50','p90','p99','max') for m in d['metrics'] if m['name']=='herd_pull_time_'+p and m['labels']['herd']=='4'])")" = True ]

# store: DIR writes what was verified as an OCI layout (blobs renamed into place only once verified)
run store "${U[@]}" --reference=v1 --store="$TMP/store" --repeat=2
expect "store: ok" [ "$(st "$TMP/store.json")" = "ok: None" ]
expect "store: every blob file hashes to its name, none partial" sh -c \
	"cd '$TMP/store/blobs/sha256' && [ \$(ls -A | wc -l) -eq 5 ] && for f in *; do echo \"\$f  \$f\"; done | sha256sum -c --quiet"
expect "store: skopeo reads it back as the pulled image" [ "$(skopeo inspect --raw "oci:$TMP/store:v1" | sha256sum | cut -d' ' -f1)" = "${REG_AMD64_DIGEST#sha256:}" ]
mkdir -p "$TMP/notlayout" && echo keep >"$TMP/notlayout/file"
run store_bad "${U[@]}" --reference=v1 --store="$TMP/notlayout"
expect "store: a non-empty directory that is no OCI layout is refused, untouched" \
	sh -c "grep -q 'is neither empty nor an OCI image layout' '$TMP/store_bad.json' && [ \"\$(ls -A '$TMP/notlayout')\" = file ]"
SHAKEDOWN_FAULT=registry.corrupt run store_corrupt "${U[@]}" --reference=v1 --store="$TMP/store2"
expect "store: a corrupt blob is never stored, nothing partial left" \
	sh -c "grep -q '\"status\":\"failed\"' '$TMP/store_corrupt.json' && ! ls '$TMP/store2/blobs/sha256/' | grep -q -e part -e '^${REG_AMD64_LAYER#sha256:}\$'"

SHAKEDOWN_FAULT=registry.corrupt run fault "${U[@]}" --reference=v1
expect "injected corruption: failed, digest mismatch naming the blob" \
	grep -q '"status":"failed","reason":"digest mismatch: blob sha256:[0-9a-f]\{64\}: [0-9]* bytes received hash to sha256:' "$TMP/fault.json"
expect "injected corruption: listed in env.faults_injected" grep -q '"faults_injected":\["corrupt"\]\|faults_injected' "$TMP/fault.json"

# a pull-through cache (proxy.remoteurl) in front of the registry: the first pull fills it, later ones hit it
REG_PROXY=$REG_URL expect "pull-through cache started in front of the registry" reg_start "$TMP/cache"
run cache --url="$REG_URL" --repository=test/app --reference=v1 --repeat=3
expect "through the cache: ok, the same image and bytes" [ "$(jget "$TMP/cache.json" "d['status'] + ' ' + d['env']['manifest_digest'] + ' ' + str([m['value'] for m in d['metrics'] if m['name']=='bytes'][0])")" = "ok $REG_AMD64_DIGEST $REG_AMD64_BYTES" ]
expect "through the cache: pull_time cold (1 sample) and warm (2)" [ "$(jget "$TMP/cache.json" "[(m['labels']['pull'], len(m['samples'])) for m in d['metrics'] if m['name']=='pull_time']")" = "[('cold', 1), ('warm', 2)]" ]
expect "the cache now holds the layers" [ -f "$(reg_blob_path "$REG_AMD64_LAYER")" ]
reg_stop
REG_PORT=$(jget "$TMP/tag.json" "d['params']['url'].rsplit(':', 1)[1]") # back to the first registry

# Under a real `mpirun --oversubscribe -np 2`: every rank's herd at once, rank 0 reports over all pulls
if command -v mpirun >/dev/null 2>&1; then
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	mpi() { # mpi NAME FAULT_ON_RANK1 ARGS...: rank r's stdout in $TMP/NAME.r.json
		local name=$1 fault=$2
		shift 2
		timeout 120 mpirun --oversubscribe -np 2 sh -c '[ "$OMPI_COMM_WORLD_RANK" != 1 ] || [ -z "$1" ] ||
			export SHAKEDOWN_FAULT=$1; shift; exec "$0" "$@" >"$DIR/$NAME.$OMPI_COMM_WORLD_RANK.json"' \
			"$P" "$fault" "$@" 2>"$TMP/$name.log"
	}
	export DIR=$TMP
	NAME=mpi mpi mpi "" "${U[@]}" --reference=v1 --herd=2
	expect "mpirun np 2, herd 2: exits 0" [ $? -eq 0 ]
	expect "mpirun: rank 0's result is schema-valid" schema probe-result "$TMP/mpi.0.json"
	expect "mpirun: rank 1 prints nothing" [ ! -s "$TMP/mpi.1.json" ]
	expect "mpirun: herd percentiles over 2 x 2 pulls, labelled herd=2 ranks=2; bytes of all four" [ "$(jget "$TMP/mpi.0.json" \
		"(d['status'], d['env']['ranks'], sorted(m['name'] for m in d['metrics'] if m.get('labels', {}).get('ranks') == '2'), [m['value'] for m in d['metrics'] if m['name'] == 'herd_throughput'][0] > 0)")" \
		= "('ok', 2, ['herd_pull_time_max', 'herd_pull_time_p50', 'herd_pull_time_p90', 'herd_pull_time_p99', 'herd_throughput'], True)" ]
	NAME=mpibad mpi mpibad registry.corrupt "${U[@]}" --reference=v1 --herd=2
	expect "mpirun: a digest mismatch on rank 1 alone fails rank 0's result, naming the rank" \
		grep -q '"status":"failed","reason":"rank 1 ([^)]*): herd pull 1 of 2: digest mismatch: blob sha256:' "$TMP/mpibad.0.json"
else
	echo "  skip mpirun herd: mpirun not installed"
fi

# through a proxy of ours: 429 with Retry-After, 503, a redirect, a truncated body, a stall
proxy() { reg_helper "$TMP/proxy-$1" proxy "$REG_PORT" "$2" && P_URL=$HELPER_URL; }
expect "proxy: 429 x2 with Retry-After 1" proxy a 429:2:1
t0=$(date +%s.%N)
run r429 --url="$P_URL" --repository=test/app --reference=v1 --concurrency=1
expect "429 then ok: status ok, 2 retries counted" [ "$(jget "$TMP/r429.json" "d['status'] + ' ' + str([m['value'] for m in d['metrics'] if m['name']=='retries'][0])")" = "ok 2" ]
expect "429: Retry-After honoured, and no other blob requested meanwhile (>= 2s in all)" /usr/bin/python3 -c "import sys,time; sys.exit(time.time() - $t0 < 2)"
expect "proxy: 429 always, Retry-After 1" proxy b 429:1000:1
run r429b --url="$P_URL" --repository=test/app --reference=v1 --retries=2
expect "429 beyond the budget: error 'rate-limited' naming the blob" grep -q '"reason":"rate-limited beyond the retry budget: \(config\|blob\) sha256:[0-9a-f]*: HTTP 429 after 2 retries"' "$TMP/r429b.json"
expect "... retries reported on error too" [ "$(jget "$TMP/r429b.json" "[m['value'] for m in d['metrics'] if m['name']=='retries'][0] >= 2")" = True ]
expect "proxy: 429 with Retry-After 120" proxy c 429:1000:120
t0=$SECONDS
run r429c --url="$P_URL" --repository=test/app --reference=v1 --retry_max_wait=5s
expect "Retry-After longer than retry_max_wait: rate-limited at once" grep -q 'Retry-After 120s, longer than retry_max_wait 5s' "$TMP/r429c.json"
expect "... without waiting" [ $((SECONDS - t0)) -le 5 ]
expect "proxy: 503 x3" proxy d 503:3
run r503 --url="$P_URL" --repository=test/app --reference=v1
expect "503 then ok: retried with backoff, counted" [ "$(jget "$TMP/r503.json" "d['status'] + ' ' + str([m['value'] for m in d['metrics'] if m['name']=='retries'][0])")" = "ok 3" ]
expect "proxy: redirect" proxy e redirect
run redir --url="$P_URL" --repository=test/app --reference=v1
expect "307 redirects followed: ok, same bytes" [ "$(jget "$TMP/redir.json" "d['status'] + ' ' + str([m['value'] for m in d['metrics'] if m['name']=='bytes'][0])")" = "ok $REG_AMD64_BYTES" ]
expect "proxy: truncate" proxy f truncate
run trunc --url="$P_URL" --repository=test/app --reference=v1
expect "truncated body: error 'truncated' naming the blob and the bytes" grep -q '"status":"error","reason":"truncated: \(config\|blob\) sha256:[0-9a-f]*: connection ended after [0-9]* of [0-9]* bytes' "$TMP/trunc.json"
expect "proxy: stall" proxy g stall
t0=$SECONDS
run stall1 --url="$P_URL" --repository=test/app --reference=v1 --stall_timeout=2s
expect "a stalled blob: error 'stall' within 10s" grep -q '"status":"error","reason":"stall: \(config\|blob\) sha256:[0-9a-f]*: below 1024 B/s for 2s' "$TMP/stall1.json"
expect "... promptly" [ $((SECONDS - t0)) -le 10 ]

# Bearer: silly auth names our token realm; the realm wants service, a pull scope and (here) Basic credentials
expect "token realm started" reg_helper "$TMP/token" token bob "$PW"
REALM=$HELPER_URL/token

REG_STORAGE=$TMP/reg/storage REG_REALM=$REALM expect "bearer registry started (silly auth, same storage)" reg_start "$TMP/breg"
B_=(--url="$REG_URL" --repository=test/app --reference=v1)
REGPW=$PW run bearer "${B_[@]}" --username=bob --password_env=REGPW
expect "bearer token flow (realm, service, scope, Basic to the realm): ok" [ "$(st "$TMP/bearer.json")" = "ok: None" ]
expect "bearer: auth_time reported" /usr/bin/python3 -c "import sys; sys.exit(not $(m "$TMP/bearer.json" auth_time) > 0)"
REGPW=nope run bearer_bad "${B_[@]}" --username=bob --password_env=REGPW
expect "bearer: realm refuses the credentials: auth failure" [ "$(st "$TMP/bearer_bad.json")" = "error: auth failure: token realm refused the credentials (HTTP 401)" ]

# TLS with a CA of ours: verified with ca_bundle; refused without; `insecure` only when asked
expect "test CA and server certificate made (openssl)" reg_make_ca "$TMP/ca"
REG_STORAGE=$TMP/reg/storage REG_TLS=$TMP/ca expect "https registry started (same storage)" reg_start "$TMP/treg"
T_=(--url="$REG_URL" --repository=test/app --reference=v1)
run tls "${T_[@]}" --ca_bundle="$TMP/ca/ca.pem"
expect "https with ca_bundle: ok" [ "$(st "$TMP/tls.json")" = "ok: None" ]
run tls_noca "${T_[@]}"
expect "https without our CA: error 'tls failure'" grep -q '"status":"error","reason":"tls failure: ping /v2/: ' "$TMP/tls_noca.json"
run tls_insecure "${T_[@]}" --insecure
expect "https with insecure: ok (only when asked)" [ "$(st "$TMP/tls_insecure.json")" = "ok: None" ]
run tls_http --url="http://127.0.0.1:$REG_PORT" --repository=test/app
expect "http to an https port: a clear error" grep -q '"status":"error","reason":"protocol: GET /v2/ answered HTTP 400' "$TMP/tls_http.json"

# closed port: connection refused at once
port=$(reg_free_port)
t0=$SECONDS
run closed --url="http://127.0.0.1:$port" --repository=test/app
expect "closed port: error 'unreachable' within 5s" [ "$(jget "$TMP/closed.json" "d['status'] + ' ' + d['reason'][:12]")" = "error unreachable:" ] && [ $((SECONDS - t0)) -le 5 ]

# Basic auth: a second registry with htpasswd

expect "auth registry started" reg_start "$TMP/areg" alice "$PW"
expect "image pushed with credentials" reg_push "$TMP/img" test/app:v1
A=(--url="$REG_URL" --repository=test/app --reference=v1)
REGPW=$PW run auth "${A[@]}" --username=alice --password_env=REGPW
expect "basic auth from an env variable: ok" [ "$(st "$TMP/auth.json")" = "ok: None" ]
expect "auth_time reported" /usr/bin/python3 -c "import sys; sys.exit(not $(m "$TMP/auth.json" auth_time) > 0)"
REGPW=wrong-password run wrong "${A[@]}" --username=alice --password_env=REGPW
expect "wrong password: error 'auth failure'" [ "$(st "$TMP/wrong.json")" = "error: auth failure: basic credentials refused (HTTP 401 on /v2/)" ]
run anon "${A[@]}"
expect "no credentials: error 'auth failure' saying what to give" grep -q '"reason":"auth failure: the registry asks for basic auth and no credentials were given' "$TMP/anon.json"
run unset "${A[@]}" --username=alice --password_env=NO_SUCH_VARIABLE_HERE
expect "password_env unset: auth failure naming the variable" grep -q "environment variable 'NO_SUCH_VARIABLE_HERE' (password_env) is not set" "$TMP/unset.json"
/usr/bin/python3 -c 'import base64,json,sys; print(json.dumps({"auths": {"https://127.0.0.1:"+sys.argv[1]+"/v1/": {"auth": base64.b64encode(("alice:"+sys.argv[2]).encode()).decode()}}}))' \
	"$REG_PORT" "$PW" >"$TMP/reg-auth.conf" # not *.json: the secret grep below covers every result
run file "${A[@]}" --auth_file="$TMP/reg-auth.conf"
expect "basic auth from a docker config.json auths entry: ok" [ "$(st "$TMP/file.json")" = "ok: None" ]
expect "env says where credentials came from, not what they are" [ "$(jget "$TMP/file.json" "d['env']['credentials']")" = file ]
REGPW=$PW run aherd "${A[@]}" --username=alice --password_env=REGPW --herd=4 --repeat=2
expect "herd 4 with auth: ok" [ "$(st "$TMP/aherd.json")" = "ok: None" ]
b64=$(printf 'alice:%s' "$PW" | base64)
expect "the password (plain or base64) is in no result or log" \
	sh -c "! grep -rqF -e '$PW' -e '$b64' $TMP/*.json $TMP/*.log"

# a blob corrupted in the registry's own storage (same size): digest mismatch, failed
f=$(reg_blob_path "$REG_AMD64_LAYER")
expect "the layer's file is in the registry's storage" [ -f "$f" ]
printf 'XXXXXXXX' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
REGPW=$PW run corrupt "${A[@]}" --username=alice --password_env=REGPW
expect "corrupted blob: failed, digest mismatch naming that blob" \
	grep -q "\"status\":\"failed\",\"reason\":\"digest mismatch: blob $REG_AMD64_LAYER: " "$TMP/corrupt.json"
expect "corrupted blob: schema-valid" schema probe-result "$TMP/corrupt.json"

# a stopped registry (SIGSTOP): the kernel accepts, nothing answers -> stall within stall_timeout
kill -STOP "$REG_PID"
t0=$SECONDS
REGPW=$PW run stall "${A[@]}" --username=alice --password_env=REGPW --stall_timeout=2s
expect "stopped registry: error 'stall' within 10s" [ "$(jget "$TMP/stall.json" "d['status'] + ' ' + d['reason'][:6]")" = "error stall:" ] && [ $((SECONDS - t0)) -le 10 ]
# ... and killed while the probe waits on it: a clear error, not a hang
REGPW=$PW timeout 60 "$P" "${A[@]}" --username=alice --password_env=REGPW --stall_timeout=20s \
	>"$TMP/killed.json" 2>"$TMP/killed.log" &
pid=$!
t0=$SECONDS
sleep 1
{ kill -KILL "$REG_PID"; wait "$REG_PID"; } 2>/dev/null
wait "$pid"
expect "registry killed mid-request: error 'truncated' or 'unreachable' within 10s" \
	grep -q '"status":"error","reason":"\(truncated\|unreachable\): ' "$TMP/killed.json"
expect "... and the probe ended promptly" [ $((SECONDS - t0)) -le 10 ]
expect "killed registry: schema-valid" schema probe-result "$TMP/killed.json"
finish
