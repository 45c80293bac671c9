#!/usr/bin/env bash
# Fuzzes the Capture-compatible API with schemathesis against server/openapi.json.
#
#   scripts/fuzz-api.sh                 short run (a few minutes on 2 cores)
#   FUZZ_MODE=long scripts/fuzz-api.sh  thousands of examples per operation
#
# Needs the release binary (target/release/server; SERVER_BIN overrides). Installs schemathesis into
# tools/venv on first use. Starts a private copy of the server on a fresh temporary database with
# the API rate limits off (else the fuzzer's pace and its failed authentications would turn most
# answers into 510), then runs every operation of the schema with the built-in checks that fit a
# Capture API (which answers HTTP 200 for errors too): not_a_server_error, status_code_conformance,
# content_type_conformance, response_schema_conformance, response_headers_conformance,
# positive_data_acceptance, plus the hooks' own check (a Capture error 500 / unexpected_error, a 402
# for a correctly authenticated request, an error text off SPEC 2.3's pattern).
#
# Every request is sent as the owner, with its current secret (or, one in four, as a client without
# features), by one of the three schemes (Basic, client_id/client_secret parameters, Signature +
# Date), chosen by a hash of the request. The fuzzer
# may reset the owner's own secret (/clients/reset_secret without for_client_id means "self"): the
# hooks then adopt the new secret, so the run does not turn into 402s. Most generated client ids are
# swapped for ids of clients that exist, so the operations get past "no client has the id".
#
# Environment: FUZZ_MODE (short|long), FUZZ_EXAMPLES (examples per operation), FUZZ_SEED,
# FUZZ_AUTH (comma-separated subset of basic,params,signature),
# FUZZ_WORKERS (default 1: on 2 cores more workers are slower, and concurrent resets of the owner
# secret would make some answers 402), FUZZ_PHASES (default examples,coverage,fuzzing,stateful),
# FUZZ_KEEP=1 keeps the temporary folder (database, server log, reports), FUZZ_SCHEMA (another
# document to test against).
set -euo pipefail

# Everything is in main, so bash reads the whole file before running: editing it during a run is safe.
main() {
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCHEMA="${FUZZ_SCHEMA:-$ROOT/server/openapi.json}"
VENV="$ROOT/tools/venv"
ST="$VENV/bin/st"
SERVER_BIN="${SERVER_BIN:-$ROOT/target/release/server}"
MODE="${FUZZ_MODE:-short}"

case "$MODE" in
short) EXAMPLES="${FUZZ_EXAMPLES:-300}" ;;
long) EXAMPLES="${FUZZ_EXAMPLES:-3000}" ;;
*)
    echo "fuzz-api: FUZZ_MODE must be short or long, not $MODE" >&2
    exit 2
    ;;
esac

if [[ ! -x "$ST" ]]; then
    echo "fuzz-api: installing schemathesis into $VENV"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        # A fresh Debian or Ubuntu has python3 without venv (ensurepip).
        echo "fuzz-api: installing python3-venv"
        rm -rf "$VENV"
        if [ "$(id -u)" = 0 ]; then apt-get install -y python3-venv >/dev/null; else sudo apt-get install -y python3-venv >/dev/null; fi
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.*'
    # Keep the virtual environment out of git without touching the repository's .gitignore.
    echo '*' >"$VENV/.gitignore"
fi
if [[ ! -x "$SERVER_BIN" ]]; then
    echo "fuzz-api: $SERVER_BIN is missing; build it with: cargo leptos build --release" >&2
    exit 2
fi

TMP="$(mktemp -d -t gatehouse-fuzz.XXXXXX)"
SERVER_PID=""
cleanup() {
    local status=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "${FUZZ_KEEP:-0}" == 1 || $status -ne 0 ]]; then
        echo "fuzz-api: kept $TMP (server.log, st.log, reports)"
    else
        rm -rf "$TMP"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private copy of the binary: a rebuild of target/release may replace the file meanwhile.
cp "$SERVER_BIN" "$TMP/server"
DB="$TMP/gatehouse.db"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"

# The owner's credentials, made before the server starts (the command opens the database itself).
CREDENTIALS="$("$TMP/server" --database "$DB" --log-level warn owner reset-secret --json)"
OWNER_ID="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["client_id"])' "$CREDENTIALS")"
OWNER_SECRET="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["client_secret"])' "$CREDENTIALS")"

"$TMP/server" --database "$DB" --listen "127.0.0.1:$PORT" --log-level warn --api-rate-limit 0 \
    --site-root "$TMP/site" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 150); do
    if curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "fuzz-api: the server exited at start:" >&2
        cat "$TMP/server.log" >&2
        exit 1
    fi
    if [[ $i -eq 150 ]]; then
        echo "fuzz-api: the server did not answer /healthz within 30 s" >&2
        exit 1
    fi
    sleep 0.2
done

# A few clients for the fuzzer to act on besides the owner: a plain one, a login client and a second
# owner (owners cannot be deleted, so it stays all run); and a client without features that sends a
# quarter of the requests and that the fuzzer never acts on.
add_client() {
    curl -fsS -u "$OWNER_ID:$OWNER_SECRET" --data-urlencode "description=$1" --data-urlencode "features=$2" \
        "$URL/clients/add"
}
field() {
    python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}
CLIENT_IDS=""
for spec in 'Fuzz target plain|[]' 'Fuzz target login|["login_client"]' 'Fuzz target owner|["owner"]'; do
    CLIENT_IDS+="$(field "$(add_client "${spec%%|*}" "${spec#*|}")" client_id) "
done
CALLER="$(add_client 'Fuzz caller' '[]')"
CALLER_ID="$(field "$CALLER" client_id)"
CALLER_SECRET="$(field "$CALLER" client_secret)"

cat >"$TMP/hooks.py" <<'PY'
"""Schemathesis hooks for Gatehouse (written by scripts/fuzz-api.sh).

* Every request authenticates, by one of the three schemes (Basic, client_id/client_secret
  parameters, janrain Signature with a Date header), as the owner with its current secret or, for
  one request in four, as a client without features (so the permission paths get fuzzed too);
  identity and scheme are chosen by a hash of the request. The Signature is computed from the bytes
  actually sent, as a client would.
* When the fuzzer resets the owner's own secret, the new secret is adopted.
* Most generated client ids are swapped for ids of clients that exist.
* Checks: no Capture error 500 / unexpected_error; no 402 for a request that was correctly
  authenticated with the secret that was current while it ran.
* Counts the requests and the answers per operation.
"""
import atexit
import base64
import collections
import hashlib
import hmac
import json
import os
import re
import threading
import time

import requests
import schemathesis

URL = os.environ["FUZZ_URL"]
OWNER_ID = os.environ["FUZZ_OWNER_ID"]
COUNT_FILE = os.environ["FUZZ_COUNT_FILE"]
AUTH_MODES = os.environ.get("FUZZ_AUTH", "basic,params,signature").split(",")
UNSIGNED = ("client_id", "client_secret", "access_token")
# A client without features that the fuzzer cannot name (it is not in the id pool below).
CALLER_ID = os.environ["FUZZ_CALLER_ID"]
CALLER_SECRET = os.environ["FUZZ_CALLER_SECRET"]

_lock = threading.Lock()
_state = {
    "secret": os.environ["FUZZ_OWNER_SECRET"],
    "requests": 0,
    "owner_resets": 0,
    # Resets of any secret under way, and a counter bumped at the start and end of each: a 402
    # that overlapped one may be the fuzzer's own doing.
    "resets_in_flight": 0,
    "reset_events": 0,
}
# "METHOD /path" -> "ok" or the Capture error code (or the HTTP status when not JSON) -> answers.
_answers = collections.defaultdict(collections.Counter)
# The same for refusals, by reason (for a closer look at coverage: requests.count.arguments.json).
_arguments = collections.defaultdict(collections.Counter)
_by_mode = collections.Counter()
# id(case) -> the auth object that sent it.
_sent = {}


def _write_count():
    with _lock:
        tally = {op: dict(counts) for op, counts in _answers.items()}
        arguments = {op: dict(counts) for op, counts in _arguments.items()}
        line = f"{_state['requests']} {_state['owner_resets']} " + ",".join(
            f"{mode}={count}" for mode, count in sorted(_by_mode.items())
        )
    with open(COUNT_FILE, "w") as out:
        out.write(line + "\n")
    with open(COUNT_FILE + ".json", "w") as out:
        json.dump(tally, out)
    with open(COUNT_FILE + ".arguments.json", "w") as out:
        json.dump(arguments, out, indent=1, sort_keys=True)


atexit.register(_write_count)


def _basic(secret, client_id=OWNER_ID):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


_PERCENT = re.compile(rb"%([0-9A-Fa-f]{2})")


def _form_pairs(raw):
    """application/x-www-form-urlencoded parsing as the server does it (WHATWG / Rust form_urlencoded)."""
    pairs = []
    for piece in raw.split(b"&"):
        if not piece:
            continue
        name, _, value = piece.partition(b"=")
        decode = lambda b: _PERCENT.sub(lambda m: bytes([int(m.group(1), 16)]), b.replace(b"+", b" ")).decode(
            "utf-8", "replace"
        )
        pairs.append((decode(name), decode(value)))
    return pairs


class ClientAuth(requests.auth.AuthBase):
    """Authenticates the prepared request as the owner (with its current secret) or the caller."""

    def __init__(self, mode, as_owner):
        self.mode = mode
        self.as_owner = as_owner
        self.client_id = OWNER_ID if as_owner else CALLER_ID
        self.secret = None
        self.events_at_send = None
        self.in_flight_at_send = None

    def __call__(self, r):
        with _lock:
            self.secret = _state["secret"] if self.as_owner else CALLER_SECRET
            self.events_at_send = _state["reset_events"]
            self.in_flight_at_send = _state["resets_in_flight"]
        for name in [n for n in r.headers if n.lower() in ("authorization", "date")]:
            del r.headers[name]
        if self.mode == "basic":
            r.headers["Authorization"] = _basic(self.secret, self.client_id)
        elif self.mode == "params":
            extra = f"client_id={self.client_id}&client_secret={self.secret}"
            r.url = r.url + ("&" if "?" in r.url else "?") + extra
        else:
            path, _, query = r.url.partition("?")
            path = "/" + path.split("://", 1)[1].partition("/")[2]
            pairs = _form_pairs(query.encode())
            body = r.body
            content_type = r.headers.get("Content-Type", "")
            if body and content_type.lower().startswith("application/x-www-form-urlencoded"):
                pairs += _form_pairs(body.encode() if isinstance(body, str) else bytes(body))
            date = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            lines = sorted(f"{k}={v}" for k, v in pairs if k not in UNSIGNED)
            text = f"{path}\n{date}\n" + "".join(line + "\n" for line in lines)
            mac = hmac.new(self.secret.encode(), text.encode("utf-8", "surrogatepass"), hashlib.sha1)
            r.headers["Authorization"] = f"Signature {self.client_id}:{base64.b64encode(mac.digest()).decode()}"
            r.headers["Date"] = date
        return r


# Ids of clients that exist (or existed): made by this script, and every id /clients/add returned.
# A random 32-character id names no client, so most generated ids are swapped for one of these
# (chosen by a hash of the generated id, so a replayed case sends the same).
_pool = [i for i in os.environ.get("FUZZ_CLIENT_IDS", "").split() if i] + [OWNER_ID]
TOKEN = re.compile(r"[a-z0-9]{32}")
ID_PARAMETERS = ("for_client_id", "client_id_for_deletion")


def _known_id(generated):
    digest = hashlib.sha256(generated.encode()).digest()
    if digest[0] % 4 == 0:
        return generated
    with _lock:
        return _pool[int.from_bytes(digest[1:5], "big") % len(_pool)]


def _swap_ids(container):
    if not isinstance(container, dict):
        return
    for name in ID_PARAMETERS:
        value = container.get(name)
        if value == CALLER_ID:
            # Ids may also reach a case from earlier answers (/clients/list): keep the caller intact.
            with _lock:
                container[name] = _pool[0]
        elif isinstance(value, str) and TOKEN.fullmatch(value) and value not in _pool:
            container[name] = _known_id(value)


def _is_reset(case):
    return case.path.endswith("/clients/reset_secret")


@schemathesis.hook
def before_call(context, case, kwargs):
    _swap_ids(case.query)
    _swap_ids(case.body)
    if case.headers:
        case.headers = {k: v for k, v in case.headers.items() if k.lower() not in ("authorization", "date")}
    digest = hashlib.sha256(repr((case.method, case.path, case.query, case.body)).encode()).digest()
    auth = ClientAuth(AUTH_MODES[digest[0] % len(AUTH_MODES)], as_owner=digest[1] % 4 != 0)
    kwargs["auth"] = auth
    with _lock:
        _sent[id(case)] = auth
        _by_mode[("owner:" if auth.as_owner else "client:") + auth.mode] += 1
        if _is_reset(case):
            _state["resets_in_flight"] += 1
            _state["reset_events"] += 1


def _outcome(response):
    try:
        body = response.json()
    except Exception:
        return None, f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return body, "not an object"
    if body.get("stat") == "ok":
        return body, "ok"
    return body, str(body.get("code"))


def _reset_done():
    with _lock:
        _state["resets_in_flight"] = max(0, _state["resets_in_flight"] - 1)
        _state["reset_events"] += 1


@schemathesis.hook
def after_network_error(context, case, request):
    if _is_reset(case):
        _reset_done()


@schemathesis.hook
def after_call(context, case, response):
    body, outcome = _outcome(response)
    operation = f"{case.method.upper()} {case.path}"
    with _lock:
        _state["requests"] += 1
        _answers[operation][outcome] += 1
        if isinstance(body, dict) and outcome != "ok":
            _arguments[operation][f"{outcome} {str(body.get('error_description', ''))[:90]}"] += 1
        flush = _state["requests"] % 500 == 0
    if flush:
        _write_count()
    if case.path.endswith("/clients/add") and outcome == "ok":
        with _lock:
            if isinstance(body.get("client_id"), str) and len(_pool) < 1000:
                _pool.append(body["client_id"])
    if case.path.endswith("/clients/delete") and outcome == "ok":
        for container in (case.query, case.body):
            deleted = container.get("client_id_for_deletion") if isinstance(container, dict) else None
            with _lock:
                if deleted in _pool and deleted != OWNER_ID:
                    _pool.remove(deleted)
    if not _is_reset(case):
        return
    try:
        new_secret = body.get("new_secret") if outcome == "ok" else None
        if isinstance(new_secret, str):
            # Whose secret was it? Parameters may come in the query, the form or raw bytes, so ask
            # the server: if the new secret authenticates the owner, it is the owner's.
            probe = requests.post(f"{URL}/settings/keys", headers={"Authorization": _basic(new_secret)}, timeout=10)
            try:
                adopted = probe.json().get("stat") == "ok"
            except Exception:
                adopted = False
            if adopted:
                with _lock:
                    _state["secret"] = new_secret
                    _state["owner_resets"] += 1
    finally:
        _reset_done()


@schemathesis.check
def gatehouse_capture_errors(ctx, response, case):
    """A Capture error 500 (unexpected_error) is a server defect even though the HTTP status is 200;
    so is a 402 for a request signed or authenticated correctly with the owner's current secret, and
    an error_description that does not follow SPEC 2.3's pattern for its argument_name."""
    with _lock:
        auth = _sent.pop(id(case), None)
        events_now = _state["reset_events"]
        secret_now = _state["secret"]
    try:
        body = response.json()
    except Exception:
        return None
    if not isinstance(body, dict):
        return None
    if body.get("code") == 500 or body.get("error") == "unexpected_error":
        raise AssertionError(
            f"Capture error 500 unexpected_error (request_id {body.get('request_id')}); see the server log"
        )
    code, argument, description = body.get("code"), body.get("argument_name"), body.get("error_description")
    if code == 100 and description != f"missing required argument: {argument}":
        raise AssertionError(f"code 100 for {argument!r} reads {description!r}, not 'missing required argument: {argument}'")
    if code == 200 and not str(description).startswith(f"{argument} was not valid for the following reason: "):
        raise AssertionError(
            f"code 200 for {argument!r} reads {description!r}, not '{argument} was not valid for the following reason: ...'"
        )
    if code == 402 and auth is not None and auth.secret is not None:
        raced = auth.as_owner and (
            auth.in_flight_at_send or auth.events_at_send != events_now or auth.secret != secret_now
        )
        if not raced:
            raise AssertionError(
                f"402 for a request authenticated by the {auth.mode} scheme as the "
                f"{'owner' if auth.as_owner else 'featureless client'} with its current secret: "
                f"{body.get('error_description')}"
            )
    return None
PY

echo "fuzz-api: mode $MODE, $EXAMPLES examples per operation, server $URL (log $TMP/server.log)"
ST_ARGS=(
    run "$SCHEMA"
    --url "$URL"
    --max-examples "$EXAMPLES"
    --workers "${FUZZ_WORKERS:-1}"
    --phases "${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}"
    --generation-with-security-parameters false
    --generation-database none
    --exclude-checks negative_data_rejection,unsupported_method,ignored_auth,missing_required_header,use_after_free,ensure_resource_availability,object_level_authorization,allow_header_conformance
    --request-timeout 30
    --suppress-health-check all
    --report junit,ndjson
    --report-dir "$TMP/reports"
    --output-sanitize false # the credentials are throw-away; full reproductions are more useful
    --no-color
)
if [[ -n "${FUZZ_SEED:-}" ]]; then
    ST_ARGS+=(--seed "$FUZZ_SEED")
fi

START=$(date +%s)
set +e
(
    cd "$TMP"
    FUZZ_URL="$URL" FUZZ_OWNER_ID="$OWNER_ID" FUZZ_OWNER_SECRET="$OWNER_SECRET" FUZZ_CLIENT_IDS="$CLIENT_IDS" \
        FUZZ_CALLER_ID="$CALLER_ID" FUZZ_CALLER_SECRET="$CALLER_SECRET" \
        FUZZ_COUNT_FILE="$TMP/requests.count" SCHEMATHESIS_HOOKS="$TMP/hooks.py" \
        "$ST" "${ST_ARGS[@]}"
) 2>&1 | tee "$TMP/st.log"
ST_STATUS=${PIPESTATUS[0]}
set -e
ELAPSED=$(($(date +%s) - START))

REQUESTS="?" OWNER_RESETS="?" AUTH_MODES_USED="?"
if [[ -f "$TMP/requests.count" ]]; then
    read -r REQUESTS OWNER_RESETS AUTH_MODES_USED <"$TMP/requests.count"
fi
SERVER_ALIVE=yes
kill -0 "$SERVER_PID" 2>/dev/null || SERVER_ALIVE=no
SERVER_ERRORS=$(grep -c 'ERROR' "$TMP/server.log" || true)

echo
if [[ -f "$TMP/requests.count.json" ]]; then
    echo "fuzz-api: answers per operation (ok, or Capture error code: count)"
    python3 - "$TMP/requests.count.json" <<'PY'
import collections, json, sys
tally = json.load(open(sys.argv[1]))
# Other methods than GET and POST (the coverage phase tries them): one line per path.
merged = collections.defaultdict(collections.Counter)
for op, counts in tally.items():
    method, path = op.split(" ", 1)
    merged[op if method in ("GET", "POST") else f"other {path}"].update(counts)
for op in sorted(merged, key=lambda o: (o.split()[1], o.split()[0])):
    counts = merged[op]
    parts = [f"ok {counts.get('ok', 0)}"] + [f"{k}: {v}" for k, v in sorted(counts.items()) if k != "ok"]
    print(f"  {op:<36} {sum(counts.values()):>6}  " + ", ".join(parts))
PY
fi
echo "fuzz-api: $REQUESTS requests sent in ${ELAPSED}s; authentication used: $AUTH_MODES_USED; the fuzzer reset the owner's own secret $OWNER_RESETS times"
echo "fuzz-api: server still running: $SERVER_ALIVE; ERROR lines in the server log: $SERVER_ERRORS"
if [[ "$SERVER_ERRORS" != 0 ]]; then
    grep 'ERROR' "$TMP/server.log" | head -20
fi
if [[ $ST_STATUS -ne 0 || "$SERVER_ALIVE" != yes || "$SERVER_ERRORS" != 0 ]]; then
    echo "fuzz-api: FAILED (schemathesis exit $ST_STATUS); failures are listed above"
    exit 1
fi
echo "fuzz-api: no failures"
}

main "$@"
