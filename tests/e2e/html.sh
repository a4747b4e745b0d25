# html.sh - report.html in a real browser: headless Chromium (Debian's
# `chromium`, in DEB_CHECK) renders the reports of tests/data/reports/ to PNG
# screenshots; each must exist and show a page (many colours, the verdict
# banner in its colour), and the browser's net log must show that the page
# asked for nothing over the network. The hostile fixture's DOM must hold no
# element its strings tried to inject. junit.xml must parse as XML. Then a
# report the runner writes from hostile input (plan description, probe
# reasons, hostname) is loaded with JavaScript on: nothing may run or inject.
#
# The reports come from the unit test binary: SD_REPORT_OUT=DIR makes
# test_reports write every fixture's reports (all formats) into DIR/<fixture>/
# before running its tests, so the fixtures need no runner command.
#
# Chromium opens connections of its own (component updates, account checks)
# that no flag fully silences; those carry the initiator "not an origin". A
# request the page makes carries the page's origin ("null" for file://). The
# check counts only the latter, and a control page with an external image and
# stylesheet proves it catches them. --host-resolver-rules makes every name
# fail to resolve, so nothing leaves the machine either way.
. tests/e2e/_lib.sh

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	not_ok "chromium is not installed at $CHROMIUM: apt-get install chromium (make check installs it with DEB_CHECK)"
	finish
	exit 1
fi
if [ ! -x "$B/tests/unit/test_reports" ]; then
	not_ok "$B/tests/unit/test_reports is not built (make $B/tests/unit/test_reports)"
	finish
	exit 1
fi

OUT=$TMP/reports
SD_REPORT_OUT="$OUT" "$B/tests/unit/test_reports" >"$TMP/unit.out" 2>&1
code=$?
expect "test_reports writes the sample reports (SD_REPORT_OUT; exit $code)" [ "$code" -eq 0 ]
[ "$code" -eq 0 ] || tail -20 "$TMP/unit.out"

# chromium_run URL NAME [extra flags]: screenshot NAME.png and net log NAME.json under $TMP
chromium_run() {
	local url=$1 name=$2; shift 2
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync --disable-extensions \
		--disable-default-apps --disable-client-side-phishing-detection --disable-domain-reliability --no-pings \
		--disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter \
		--host-resolver-rules="MAP * ~NOTFOUND" \
		--user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" \
		--log-net-log="$TMP/$name.json" --net-log-capture-mode=Default "$@" "$url" 2>>"$TMP/chromium.log"
}

# page_requests NETLOG: the http(s)/ws(s) URLs requested by a page (not by the browser itself), one a line
page_requests() {
	/usr/bin/python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
for e in d.get("events", []):
    p = e.get("params") or {}
    url = p.get("url", "")
    if names.get(e["type"]) == "URL_REQUEST_START_JOB" and url.split(":")[0] in ("http", "https", "ws", "wss"):
        if p.get("initiator") != "not an origin":
            print(url)
PY
}

# png_check PNG ROWS R G B: prints "WIDTH HEIGHT COLOURS PIXELS_OF_RGB" over the first ROWS rows
# (a small PNG decoder: zlib and the five filters; Chromium writes 8-bit RGB or RGBA)
png_check() {
	/usr/bin/python3 - "$@" <<'PY'
import struct, sys, zlib
path, limit, want = sys.argv[1], int(sys.argv[2]), bytes(int(v) for v in sys.argv[3:6])
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("not a PNG")
pos, idat = 8, []
while pos < len(data):
    n, = struct.unpack(">I", data[pos:pos + 4]); kind = data[pos + 4:pos + 8]
    if kind == b"IHDR":
        w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", data[pos + 8:pos + 21])
    elif kind == b"IDAT":
        idat.append(data[pos + 8:pos + 8 + n])
    pos += 12 + n
if depth != 8 or ctype not in (2, 6) or inter:
    sys.exit("unsupported PNG (depth %d, colour type %d)" % (depth, ctype))
bpp = 3 if ctype == 2 else 4
stride, z, raw, prev, colours, hits = w * bpp, zlib.decompressobj(), b"", bytearray(w * bpp), set(), 0
chunks = iter(idat)
for y in range(min(h, limit)):
    while len(raw) < stride + 1:
        raw += z.decompress(next(chunks))
    f, line, raw = raw[0], bytearray(raw[1:stride + 1]), raw[stride + 1:]
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3]); colours.add(px); hits += px == want
    prev = line
print(w, h, len(colours), hits)
PY
}

# The detector itself: a page that asks for an image and a stylesheet over http(s) must be caught.
printf '<!DOCTYPE html><p>control</p><img src="http://shakedown.invalid/x.png"><link rel="stylesheet" href="https://shakedown.invalid/s.css">\n' >"$TMP/control.html"
chromium_run "file://$TMP/control.html" control --screenshot="$TMP/control.png" --window-size=400,300
expect "net log check catches a page's own requests (control page)" \
	[ "$(page_requests "$TMP/control.json" | wc -l)" -ge 2 ]

# fixture, banner colour (verdict), R G B of the banner
for spec in "single 198 40 40" "multi 198 40 40" "ready 27 127 59" "noverdict 69 90 100" "hostile 198 40 40" \
	"charts 27 127 59"; do
	set -- $spec
	f=$1
	html=$OUT/$f/report.html
	expect "$f: report.html written" [ -s "$html" ]
	chromium_run "file://$html" "$f" --screenshot="$TMP/$f.png" --window-size=1280,2000
	expect "$f: screenshot written" [ -s "$TMP/$f.png" ]
	expect "$f: screenshot is larger than 20 KB" [ "$(stat -c %s "$TMP/$f.png" 2>/dev/null || echo 0)" -gt 20000 ]
	read -r w h colours banner < <(png_check "$TMP/$f.png" 400 "$2" "$3" "$4" 2>"$TMP/png.err" || echo 0 0 0 0)
	expect "$f: screenshot is 1280x2000 (got ${w}x${h})" [ "$w.$h" = 1280.2000 ]
	expect "$f: screenshot is not blank ($colours colours in the first 400 rows)" [ "$colours" -ge 50 ]
	expect "$f: verdict banner rendered in rgb($2,$3,$4) ($banner pixels)" [ "$banner" -ge 20000 ]
	page_requests "$TMP/$f.json" >"$TMP/$f.requests"
	if [ -s "$TMP/$f.requests" ]; then
		not_ok "$f: the page made network requests: $(head -3 "$TMP/$f.requests" | tr '\n' ' ')"
	else
		ok "$f: the page made no network request (net log)"
	fi
	expect "$f: junit.xml is well-formed XML" /usr/bin/python3 -c \
		"import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])" "$OUT/$f/junit.xml"
done

# The hostile strings are text in the DOM, never elements.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --host-resolver-rules="MAP * ~NOTFOUND" \
	--user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" --dump-dom "file://$OUT/hostile/report.html" \
	>"$TMP/hostile.dom" 2>>"$TMP/chromium.log"
expect "hostile: the DOM was dumped" [ -s "$TMP/hostile.dom" ]
expect "hostile: no <script> element in the DOM" [ "$(grep -c '<script' "$TMP/hostile.dom")" -eq 0 ]
expect "hostile: no <img> element in the DOM" [ "$(grep -c '<img' "$TMP/hostile.dom")" -eq 0 ]
expect "hostile: no <link> element in the DOM" [ "$(grep -c '<link' "$TMP/hostile.dom")" -eq 0 ]
expect "hostile: the strings are shown as text" grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$TMP/hostile.dom"

# A report the runner itself wrote from hostile input, end to end: a plan description and probe
# reasons with markup, quotes and control characters, and (in a UTS namespace of its own, where
# the system allows one) a hostile hostname. In Chromium, with JavaScript on, nothing may become
# an element or an event handler, and no script may run (an injected one would retitle the page).
# dom_check DUMPED-DOM: prints one problem a line (nothing: inert)
dom_check() {
	/usr/bin/python3 - "$1" <<'PY2'
import sys
from html.parser import HTMLParser
BAD = {"script", "img", "iframe", "object", "embed", "link", "meta", "base", "form", "input", "video", "audio"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.problems, self.title, self.in_title = [], "", False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        csp = a.get("http-equiv", "content-security-policy").lower() == "content-security-policy"
        if tag in BAD and not (tag == "meta" and csp and set(a) <= {"charset", "name", "content", "http-equiv"}):
            self.problems.append("element <%s>" % tag)
        for k, v in attrs:
            if k.startswith("on") or (v or "").strip().lower().startswith("javascript:"):
                self.problems.append("attribute %s=%r on <%s>" % (k, v, tag))
        self.in_title = tag == "title"
    def handle_endtag(self, tag):
        self.in_title = False
    def handle_data(self, data):
        if self.in_title:
            self.title += data
p = P(); p.feed(open(sys.argv[1], encoding="utf-8", errors="replace").read())
if "PWNED" in p.title:
    p.problems.append("a script ran: the title is %r" % p.title)
for line in p.problems:
    print(line)
PY2
}
dump_dom() { # dump_dom URL OUT: the DOM after load, scripts on
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --host-resolver-rules="MAP * ~NOTFOUND" \
		--user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" --virtual-time-budget=2000 --dump-dom "$1" \
		>"$2" 2>>"$TMP/chromium.log"
}
# The check itself: a page where the same strings are live markup must fail it.
printf '<!DOCTYPE html><title>t</title><p>x</p><script>document.title="PWNED"</script><img src=x onerror="1">\n' \
	>"$TMP/live.html"
dump_dom "file://$TMP/live.html" "$TMP/live.dom"
dom_check "$TMP/live.dom" >"$TMP/live.problems"
expect "the DOM check catches live markup (script ran, <script>, <img>, onerror)" \
	[ "$(grep -c . "$TMP/live.problems")" -ge 4 ]
export SHAKEDOWN_PROBE_PATH=$B/tests/probes
cat >"$TMP/hostile.yaml" <<'PLAN'
plan: hostile
description: "</title><script>document.title='PWNED'</script> \"dq\" 'sq' & <b>bold</b> \x01\x1b[31m end"
steps:
  - {id: ok, probe: misbehave, with: {mode: ok}}
  - id: fail
    probe: misbehave
    with: {mode: fail, reason: "<script>document.title='PWNED'</script><img src=x onerror=alert(1)> \"dq\" 'sq' \x07\x1b[0m"}
  - {id: err, probe: misbehave, with: {mode: error, reason: "</td></tr></table><svg onload=alert(1)><a href=javascript:alert(1)>x</a>"}}
PLAN
HOSTILE_HOST='<script>document.title="PWNED"</script>"h'
if unshare -u true 2>/dev/null; then
	out=$(unshare -u /usr/bin/python3 -c 'import os, socket, sys; socket.sethostname(sys.argv[1]); os.execv(sys.argv[2], sys.argv[2:])' \
		"$HOSTILE_HOST" "$SD" run "$TMP/hostile.yaml" -q --out "$TMP/hruns")
	code=$?
	expect "runner report: the run saw the hostile hostname" \
		[ "$(jget "$out/results.json" "d['host']['hostname']")" = "$HOSTILE_HOST" ]
else
	echo "  skip the hostile hostname: cannot unshare the UTS namespace here"
	out=$("$SD" run "$TMP/hostile.yaml" -q --out "$TMP/hruns")
	code=$?
fi
expect "runner report: the hostile run ran (exit $code: 3, a step errors)" [ "$code" -eq 3 ]
expect "runner report: the plan's description reached results.json with its control characters" \
	[ "$(jget "$out/results.json" "'\x01' in d['plan']['description'] and '<script>' in d['plan']['description']")" = True ]
expect "runner report: report.html holds no raw control character" \
	/usr/bin/python3 -c "import sys; t=open(sys.argv[1],'rb').read(); sys.exit(any(b < 32 and b not in (9, 10, 13) for b in t))" \
	"$out/report.html"
dump_dom "file://$out/report.html" "$TMP/runner.dom"
expect "runner report: the DOM was dumped" [ -s "$TMP/runner.dom" ]
dom_check "$TMP/runner.dom" >"$TMP/runner.problems"
expect "runner report: inert in Chromium (no script ran, no injected element or handler)$(head -3 "$TMP/runner.problems" | tr '\n' ';')" \
	[ ! -s "$TMP/runner.problems" ]
expect "runner report: the description is shown as text" grep -qF "document.title='PWNED'&lt;/script&gt;" "$TMP/runner.dom"
expect "runner report: the probe's reason is shown as text" grep -qF '&lt;img src=x onerror=alert(1)&gt;' "$TMP/runner.dom"
expect "runner report: the error's reason is shown as text" grep -qF '&lt;svg onload=alert(1)&gt;' "$TMP/runner.dom"

if [ -n "${SD_KEEP_SCREENSHOTS:-}" ]; then
	mkdir -p "$SD_KEEP_SCREENSHOTS" && cp "$TMP"/*.png "$SD_KEEP_SCREENSHOTS"/
fi
finish
