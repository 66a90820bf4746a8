#!/usr/bin/env bash
# The blog as it is deployed, on loopback: PostgreSQL, the Kakao sandbox as a process of its
# own, several gunicorn instances in production mode (DEBUG=0) and nginx balancing them
# round-robin. Everything lives under one folder and stops cleanly.
#
#   scripts/cluster.sh run [DIR]   start, print the URLs, wait; Ctrl-C (or exit) stops everything
#   scripts/cluster.sh start DIR   start in the background; DIR/cluster.env lists the URLs and pids
#   scripts/cluster.sh stop DIR    stop what start started
#   scripts/cluster.sh restart-rolling DIR   restart every instance in turn, dropping no request
#   scripts/cluster.sh drain DIR [NAME]      take instance NAME out of nginx's rotation (no NAME: put all back)
#   scripts/cluster.sh nginx-conf DIR PORT UPSTREAM...   only write DIR/nginx/nginx.conf (for tests)
#
# Beside the blog, nginx protects a second service, /members/ (python -m verifier.members_demo),
# with auth_request to the token verifier (python -m verifier), which knows only the blog's
# JWKS URL; nginx caches the verifier's yes for AUTHORIZER_RESULT_TTL_SECONDS (default 300,
# 0 = off), as API Gateway caches a Lambda authorizer's policy (docs/production.md).
#
# Environment: CLUSTER_INSTANCES (default 2), CLUSTER_PORT (nginx; default a free port),
# WEB_CONCURRENCY (gunicorn workers per instance, default 1), CLUSTER_REDIS=1 (a Redis of
# its own as the shared cache, instead of the database's cache table), CLUSTER_HOUSEKEEPING_SECONDS
# (how often `manage.py housekeeping` deletes expired rows, default 600), VERIFIER_JWKS_LIFESPAN
# (seconds the verifier keeps the JWKS, default 300). Other variables the
# settings read (CONN_MAX_AGE, RATE_LIMIT_LOGIN, GUNICORN_THREADS...) pass through.
# This is plain HTTP on loopback, so it turns off what needs HTTPS (SSL redirect, HSTS,
# Secure cookies); never copy those three switches to a real deployment.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
GUNICORN=$ROOT/.venv/bin/gunicorn
NGINX=/usr/sbin/nginx

usage() { echo "usage: $0 run [DIR] | start DIR | stop DIR | restart-rolling DIR | drain DIR [NAME] | nginx-conf DIR PORT UPSTREAM..." >&2; exit 2; }

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Install a Debian package when its program is missing; exit 3 if that is impossible here.
ensure_installed() {
  local program=$1 package=$2
  [ -x "$program" ] && return 0
  echo "Installing $package (Debian package)..." >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null; } || true
  [ -x "$program" ] || { echo "$package is not installed and could not be installed" >&2; exit 3; }
}

# A process counts as gone once it has exited, even while it waits as a zombie for its parent.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# Stop the process (group) in the pid file: SIGNAL first, then KILL after 10 s.
stop_pidfile() {
  local file=$1 signal=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$file"
}

stop() {
  local dir=$1 file
  [ -d "$dir" ] || return 0
  stop_pidfile "$dir/nginx.pid" QUIT
  stop_pidfile "$dir/verifier.pid" TERM
  stop_pidfile "$dir/members.pid" TERM
  stop_pidfile "$dir/housekeeping.pid" TERM
  for file in "$dir"/app*.pid; do stop_pidfile "$file" INT; done  # gunicorn: INT is a quick shutdown
  stop_pidfile "$dir/sandbox.pid" TERM
  stop_pidfile "$dir/redis.pid" TERM
  [ -d "$dir/pg/data" ] && scripts/pg-throwaway.sh stop "$dir/pg"
  return 0
}

# Export NAME=VALUE and remember NAME in the caller's `names` list.
set_env() { export "$1=$2"; names+=("$1"); }

# Start PROGRAM... in a session of its own (so Ctrl-C in the terminal reaches only this
# script, which then stops everything in order), logging to DIR/NAME.log.
spawn() {
  local dir=$1 name=$2; shift 2
  setsid "$@" >"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

wait_until_up() {
  local name=$1 url=$2 log=$3
  "$PY" - "$url" <<'EOF' || { echo "$name did not start; the end of $log:" >&2; tail -n 30 "$log" >&2; return 1; }
import sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)  # any HTTP answer means the server is up
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

# The request headers of a location that proxies: nginx forgets every proxy_set_header of the
# server in a location that sets one of its own, so each location writes the whole list.
# X-User-Id and X-User-Roles say who the user is, and only nginx may say it: a client's
# headers of those names never reach an upstream, at most the authorizer's answer (the
# arguments, for /members/). nginx cannot clear a family of names (X-User-*), so these are
# the names the members service reads. CONNECTION is "" for an upstream nginx keeps
# connections open to (keepalive), close for the blog (see write_nginx_conf).
write_proxy_headers() {
  local connection=$1 user_id=${2:-'""'} roles=${3:-'""'}
  echo "      proxy_set_header Connection $connection;"
  echo "      proxy_set_header Host \$http_host;"
  echo "      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
  echo "      proxy_set_header X-Forwarded-Proto \$scheme;"
  echo "      proxy_set_header X-User-Id $user_id;"
  echo "      proxy_set_header X-User-Roles $roles;"
}

# The members service reads no bodies: one passed on would be read as a second request on the
# kept-alive connection, with whatever X-User-* it carries (request smuggling). Send none, and
# only GET and HEAD.
write_no_request_body() {
  echo "      limit_except GET { deny all; }"
  echo "      proxy_pass_request_body off;"
  echo "      proxy_set_header Content-Length \"\";"
}

# The members-only service behind the authorizer, when VERIFIER_UPSTREAM and MEMBERS_UPSTREAM
# (host:port) are set. auth_request asks /_authorizer (the verifier) first; its 200 lets the
# request through with the X-User-* headers it named, 401 refuses it (auth_request passes the
# verifier's WWW-Authenticate on to the client).
write_authorizer_conf() {
  local dir=$1 ttl=${AUTHORIZER_RESULT_TTL_SECONDS:-300}
  [[ $ttl =~ ^[0-9]+$ ]] || { echo "AUTHORIZER_RESULT_TTL_SECONDS must be a number of seconds" >&2; exit 2; }
  echo "  upstream verifier {"
  echo "    server $VERIFIER_UPSTREAM;"
  echo "    keepalive 16;"
  echo "  }"
  echo "  upstream members {"
  echo "    server $MEMBERS_UPSTREAM;"
  echo "    keepalive 16;"
  echo "  }"
  # HIT: nginx answered from its cache; MISS: it asked the verifier (nginx also says EXPIRED,
  # STALE... for entries it had; with the cache off every call asks).
  echo "  map \$authorizer_cache \$authorizer_cache_header {"
  echo "    HIT HIT;"
  echo "    default MISS;"
  echo "  }"
  if [ "$ttl" -gt 0 ]; then
    # Keyed on the whole Authorization header: the same token gets the same answer until the
    # entry ends, whether the user logged out meanwhile or not (the revocation lag).
    echo "  proxy_cache_path $dir/nginx/authorizer-cache levels=1:2 keys_zone=authorizer:1m max_size=16m inactive=${ttl}s use_temp_path=off;"
  fi
}

write_authorizer_locations() {
  local ttl=${AUTHORIZER_RESULT_TTL_SECONDS:-300}
  echo "    location /members/ {"
  echo "      auth_request /_authorizer;"
  echo "      auth_request_set \$authorizer_user_id \$upstream_http_x_user_id;"
  echo "      auth_request_set \$authorizer_roles \$upstream_http_x_user_roles;"
  echo "      auth_request_set \$authorizer_cache \$upstream_cache_status;"
  echo "      add_header X-Authorizer-Cache \$authorizer_cache_header always;"
  # The verifier cannot judge (no keys, or it is down): 503, never nginx's 500.
  echo "      error_page 500 502 504 =503 @authorizer_unavailable;"
  write_proxy_headers '""' "\$authorizer_user_id" "\$authorizer_roles"
  echo "      proxy_set_header Authorization \"\";  # the service needs no token: it has the verified user"
  write_no_request_body
  echo "      proxy_pass http://members/members/;"
  echo "    }"
  echo "    location /public/ {"
  write_proxy_headers '""'
  write_no_request_body
  echo "      proxy_pass http://members/public/;"
  echo "    }"
  echo "    location = /_authorizer {"
  echo "      internal;"
  echo "      proxy_pass http://verifier/authorize;"
  echo "      proxy_pass_request_body off;"
  write_proxy_headers '""'
  echo "      proxy_set_header Content-Length \"\";"
  echo "      proxy_set_header Authorization \$http_authorization;"
  echo "      proxy_connect_timeout 1s;"
  echo "      proxy_read_timeout 5s;"
  if [ "$ttl" -gt 0 ]; then
    echo "      proxy_cache authorizer;"
    echo "      proxy_cache_key \$http_authorization;"
    # Only a yes is kept; a refusal is asked again (and is cheap: no key fetch, no database).
    echo "      proxy_cache_valid 200 ${ttl}s;"
    echo "      proxy_ignore_headers Cache-Control Expires Set-Cookie X-Accel-Expires;"
    # Many requests with one new token at once: one asks the verifier, the others wait for its answer.
    echo "      proxy_cache_lock on;"
  fi
  echo "    }"
  echo "    location @authorizer_unavailable {"
  echo "      default_type application/json;"
  echo "      add_header Retry-After 5 always;"
  echo "      return 503 '{\"error\": \"authorizer_unavailable\"}';"
  echo "    }"
}

write_nginx_conf() {
  local dir=$1 port=$2 state; shift 2
  local members=${VERIFIER_UPSTREAM:+${MEMBERS_UPSTREAM:+1}}
  mkdir -p "$dir/nginx"
  {
    echo "worker_processes 1;"
    echo "pid $dir/nginx.pid.nginx;"
    echo "error_log $dir/nginx/error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "  access_log $dir/nginx/access.log combined buffer=64k flush=1s;"
    for temp in client_body proxy fastcgi uwsgi scgi; do echo "  ${temp}_temp_path $dir/nginx/$temp;"; done
    echo "  upstream blog {"
    # Three failed requests in 5 s take an instance out for 5 s; each goes to the next one.
    # DRAINED names the one a rolling restart took out (down: nginx sends it nothing new).
    for upstream in "$@"; do
      state=""
      [ "$upstream" != "${DRAINED:-}" ] || state=" down"
      echo "    server $upstream max_fails=3 fail_timeout=5s$state;"
    done
    # No keepalive: one connection per request, closed by gunicorn after its answer. A worker
    # that stops (max_requests, a restart) must close its idle connections, and nginx may be
    # sending a request on one at that very moment: "connection reset", a 502 for a POST.
    echo "  }"
    [ -z "$members" ] || write_authorizer_conf "$dir"
    echo "  server {"
    echo "    listen 127.0.0.1:$port;"
    echo "    proxy_http_version 1.1;"
    echo "    proxy_connect_timeout 2s;"
    # An instance that is down: try the next one. nginx never passes a POST on once an
    # instance received it; docs/production.md explains both locations.
    echo "    proxy_next_upstream error timeout;"
    # Every proxy_pass names a URI, so nginx sends the path it matched the location on (dot
    # segments resolved, %2e and %2f decoded, slashes merged), never the client's spelling:
    # without one, /members/../public/ matched the open /public/ while the members service,
    # sent the raw path, read /members/ and believed the client's X-User-Id.
    echo "    location / {"
    write_proxy_headers close
    echo "      proxy_pass http://blog/;"
    echo "    }"
    # A GET, but not one to repeat: the instance that died may have spent Kakao's one-time
    # code already, and the replay would answer KOE320.
    echo "    location /accounts/kakao/callback/ {"
    write_proxy_headers close
    echo "      proxy_pass http://blog/accounts/kakao/callback/;"
    echo "      proxy_next_upstream off;"
    echo "    }"
    [ -z "$members" ] || write_authorizer_locations
    echo "  }"
    echo "}"
  } >"$dir/nginx/nginx.conf"
}

start() {
  local dir=$1 instances=${CLUSTER_INSTANCES:-2}
  ensure_installed "$NGINX" nginx
  if [ "${CLUSTER_REDIS:-0}" = 1 ]; then ensure_installed /usr/bin/redis-server redis-server; fi
  mkdir -p "$dir"
  # PostgreSQL runs as the postgres user and nginx's workers as nobody: both must reach DIR.
  chmod 755 "$dir"

  local nginx_port=${CLUSTER_PORT:-$(free_port)} sandbox_port pg_port i
  sandbox_port=$(free_port)
  pg_port=$(free_port)
  local site="http://127.0.0.1:$nginx_port" sandbox="http://127.0.0.1:$sandbox_port"

  scripts/pg-throwaway.sh start "$dir/pg" "$pg_port"
  # One signing key for every instance: any of them verifies what another issued. The public keys
  # of a key change (docs/jwt.md) are files too, empty until one: an instance reloaded with USR2
  # reads the files again, never its environment.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/jwt-private-key.pem" 2>/dev/null
  chmod 600 "$dir/jwt-private-key.pem"
  : >"$dir/jwt-next-public-keys.pem"
  : >"$dir/jwt-previous-public-keys.pem"

  # The instances' environment, also kept in DIR/app.env so that a person (or a benchmark)
  # can run manage.py or another instance against this cluster: `source DIR/app.env`.
  local names=() name
  set_env DJANGO_SETTINGS_MODULE config.settings
  set_env DEBUG 0
  set_env SECRET_KEY "$(openssl rand -hex 32)"
  set_env ALLOWED_HOSTS 127.0.0.1,localhost
  set_env DATABASE_URL "postgres://postgres@127.0.0.1:$pg_port/postgres"
  set_env STATIC_ROOT "$dir/static"
  set_env KAKAO_CLIENT_ID cluster-rest-api-key
  set_env KAKAO_CLIENT_SECRET cluster-client-secret
  set_env KAKAO_ADMIN_KEY cluster-admin-key
  set_env KAKAO_APP_ID 1000001
  set_env KAKAO_AUTH_URL "$sandbox"
  set_env KAKAO_API_URL "$sandbox"
  set_env KAKAO_REDIRECT_URI "$site/accounts/kakao/callback/"
  set_env JWT_PRIVATE_KEY_FILE "$dir/jwt-private-key.pem"
  set_env JWT_NEXT_PUBLIC_KEYS_FILE "$dir/jwt-next-public-keys.pem"
  set_env JWT_PREVIOUS_PUBLIC_KEYS_FILE "$dir/jwt-previous-public-keys.pem"
  set_env SITE_URL "$site"  # nginx's address; also the JWT issuer
  set_env TRUSTED_PROXY_HOPS 1
  set_env WEB_CONCURRENCY "${WEB_CONCURRENCY:-1}"
  if [ "${CLUSTER_REDIS:-0}" = 1 ]; then
    local redis_port
    redis_port=$(free_port)
    # It holds state (counters; seen signatures with STATE_STORE_URL), which the app keeps only in a
    # Redis that never evicts and writes every change to its append-only file (in $dir, so a restart keeps it).
    spawn "$dir" redis /usr/bin/redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --dir "$dir" \
      --appendonly yes --appendfsync always --maxmemory-policy noeviction
    set_env REDIS_URL "redis://127.0.0.1:$redis_port/0"
    set_env STATE_STORE_URL "redis://127.0.0.1:$redis_port/1"
  else
    unset REDIS_URL STATE_STORE_URL
  fi
  # Plain HTTP on loopback only: no redirect to HTTPS, no HSTS, cookies a test client sends back.
  set_env SECURE_SSL_REDIRECT 0
  set_env SECURE_HSTS_SECONDS 0
  set_env COOKIE_SECURE 0
  unset JWT_PRIVATE_KEY JWT_NEXT_PUBLIC_KEYS JWT_PREVIOUS_PUBLIC_KEYS VAR_DIR
  (umask 077; for name in "${names[@]}"; do printf 'export %s=%q\n' "$name" "${!name}"; done >"$dir/app.env")

  "$PY" manage.py migrate --noinput -v 0
  "$PY" manage.py collectstatic --noinput -v 0

  # What cron or a systemd timer runs in production (docs/production.md), every 10 minutes here.
  spawn "$dir" housekeeping "$PY" manage.py housekeeping --every "${CLUSTER_HOUSEKEEPING_SECONDS:-600}"
  spawn "$dir" sandbox "$PY" manage.py run_kakao_sandbox --port "$sandbox_port" \
    --client-id "$KAKAO_CLIENT_ID" --client-secret "$KAKAO_CLIENT_SECRET" --admin-key "$KAKAO_ADMIN_KEY" \
    --redirect-uri "$KAKAO_REDIRECT_URI"
  local upstreams=()
  {
    echo "SITE_URL=$site"
    echo "SANDBOX_URL=$sandbox"
    echo "DATABASE_URL=$DATABASE_URL"
    echo "KAKAO_CLIENT_ID=$KAKAO_CLIENT_ID"
    echo "KAKAO_REDIRECT_URI=$KAKAO_REDIRECT_URI"
  } >"$dir/cluster.env"
  # All of it, variables passed through included, for restart-rolling to start an instance again as it ran.
  (umask 077; env -0 >"$dir/instance.environ")
  for i in $(seq "$instances"); do
    local port
    port=$(free_port)
    INSTANCE_NAME="app$i" spawn "$dir" "app$i" "$GUNICORN" --config config/gunicorn.py --bind "127.0.0.1:$port" config.wsgi
    upstreams+=("127.0.0.1:$port")
    echo "INSTANCE_app$i=http://127.0.0.1:$port" >>"$dir/cluster.env"
  done
  # The verifier knows the blog only by its JWKS URL (through nginx, like any outside service).
  local verifier_port members_port
  verifier_port=$(free_port)
  members_port=$(free_port)
  spawn "$dir" verifier "$PY" -m verifier --jwks-url "$site/.well-known/jwks.json" --issuer "$site" \
    ${JWT_AUDIENCE:+--audience "$JWT_AUDIENCE"} ${JWT_LEEWAY:+--leeway "$JWT_LEEWAY"} \
    ${VERIFIER_JWKS_LIFESPAN:+--jwks-lifespan "$VERIFIER_JWKS_LIFESPAN"} --port "$verifier_port"
  spawn "$dir" members "$PY" -m verifier.members_demo --port "$members_port"
  {
    echo "VERIFIER_URL=http://127.0.0.1:$verifier_port"
    echo "MEMBERS_URL=http://127.0.0.1:$members_port"
    echo "AUTHORIZER_RESULT_TTL_SECONDS=${AUTHORIZER_RESULT_TTL_SECONDS:-300}"
  } >>"$dir/cluster.env"
  VERIFIER_UPSTREAM="127.0.0.1:$verifier_port" MEMBERS_UPSTREAM="127.0.0.1:$members_port" \
    write_nginx_conf "$dir" "$nginx_port" "${upstreams[@]}"
  spawn "$dir" nginx "$NGINX" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" -g "daemon off;"

  wait_until_up sandbox "$sandbox/oauth/authorize" "$dir/sandbox.log"
  for i in $(seq "$instances"); do
    wait_until_up "app$i" "http://${upstreams[$((i - 1))]}/accounts/login/" "$dir/app$i.log"
  done
  wait_until_up verifier "http://127.0.0.1:$verifier_port/authorize" "$dir/verifier.log"
  wait_until_up members "http://127.0.0.1:$members_port/public/" "$dir/members.log"
  wait_until_up nginx "$site/accounts/login/" "$dir/nginx/error.log"
}

# The nginx configuration of a running cluster again, with DRAINED (host:port, or "") marked down.
rewrite_nginx_conf() {
  local dir=$1 drained=$2 site upstreams
  site=$(sed -n 's/^SITE_URL=//p' "$dir/cluster.env")
  mapfile -t upstreams < <(sed -n 's/^INSTANCE_app[0-9]*=http:\/\///p' "$dir/cluster.env")
  DRAINED=$drained AUTHORIZER_RESULT_TTL_SECONDS=$(sed -n 's/^AUTHORIZER_RESULT_TTL_SECONDS=//p' "$dir/cluster.env") \
    VERIFIER_UPSTREAM=$(sed -n 's/^VERIFIER_URL=http:\/\///p' "$dir/cluster.env") \
    MEMBERS_UPSTREAM=$(sed -n 's/^MEMBERS_URL=http:\/\///p' "$dir/cluster.env") \
    write_nginx_conf "$dir" "${site##*:}" "${upstreams[@]}"
}

# Reload nginx's configuration; return once its old workers are gone. They quit only after
# the requests they were serving are answered: from then on, nothing is on its way to an
# instance the new configuration marks down.
reload_nginx() {
  local dir=$1 master old_workers pid gone
  master=$(cat "$dir/nginx.pid")
  "$NGINX" -t -q -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log"
  old_workers=$(cat "/proc/$master/task/$master/children")
  kill -HUP "$master"
  for _ in $(seq 600); do
    gone=1
    for pid in $old_workers; do if alive "$pid"; then gone=0; fi; done
    [ "$gone" = 0 ] || return 0
    sleep 0.1
  done
  echo "nginx's old workers still serve requests after 60 s; going on" >&2
}

# Return once GET URL (an instance's /healthz) answers 200: the instance serves and reaches its database.
wait_until_ready() {
  local name=$1 url=$2 log=$3
  "$PY" - "$url" <<'EOF' || { echo "$name is not ready after 60 s; the end of $log:" >&2; tail -n 30 "$log" >&2; return 1; }
import sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as answer:
            sys.exit(0 if answer.status == 200 else 1)
    except OSError:
        time.sleep(0.1)  # 503 (its database is out of reach), or no answer yet: not ready
sys.exit(1)
EOF
}

# Take instance NAME (app1...) out of nginx's rotation, or, with no NAME, put every instance back;
# return once nginx sends the one taken out nothing more (to reload it with USR2, say).
drain() {
  local dir=$1 name=$2 address=""
  if [ -n "$name" ]; then
    address=$(sed -n "s/^INSTANCE_$name=http:\/\///p" "$dir/cluster.env")
    [ -n "$address" ] || { echo "no instance $name in $dir/cluster.env" >&2; exit 2; }
  fi
  rewrite_nginx_conf "$dir" "$address"
  reload_nginx "$dir"
}

# Restart each instance in turn, as a deploy does (docs/production.md, "Deploying without
# dropping a request"): take it out of nginx and let nginx finish what it had sent it; stop it
# (SIGTERM: it answers what it accepted); start it again as it ran, with the code on disk now;
# wait until /healthz says it is ready; put it back. Then the next one.
restart_rolling() {
  local dir=$1 name address pid environment
  mapfile -d '' environment <"$dir/instance.environ"
  for name in $(sed -n 's/^INSTANCE_\(app[0-9]*\)=.*/\1/p' "$dir/cluster.env"); do
    address=$(sed -n "s/^INSTANCE_$name=http:\/\///p" "$dir/cluster.env")
    drain "$dir" "$name"
    pid=$(cat "$dir/$name.pid")
    kill -TERM "$pid"
    for _ in $(seq 300); do alive "$pid" || break; sleep 0.1; done  # graceful_timeout is 20 s
    if alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
    echo "restart-rolling: $name (pid $pid) stopped, starting it again" >>"$dir/$name.log"
    setsid env -i "${environment[@]}" INSTANCE_NAME="$name" "$GUNICORN" --config config/gunicorn.py \
      --bind "$address" config.wsgi >>"$dir/$name.log" 2>&1 </dev/null &
    echo $! >"$dir/$name.pid"
    # Not ready in time: it stays out of nginx, and the instances after it are left as they run.
    wait_until_ready "$name" "http://$address/healthz" "$dir/$name.log"
    drain "$dir" ""
  done
}

case ${1:-} in
  start)
    [ $# -eq 2 ] || usage
    # Half a cluster is no use: on any failure, stop what did start.
    trap 'status=$?; [ $status -eq 0 ] || stop "$2"' EXIT
    start "$2"
    ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  restart-rolling) [ $# -eq 2 ] || usage; restart_rolling "$2" ;;
  drain) [ $# -eq 2 ] || [ $# -eq 3 ] || usage; drain "$2" "${3:-}" ;;
  nginx-conf) [ $# -ge 4 ] || usage; shift; write_nginx_conf "$@" ;;
  run)
    dir=${2:-}
    if [ -z "$dir" ]; then
      dir=$(mktemp -d /tmp/kakao-blog-cluster.XXXXXX)
      trap 'stop "$dir"; rm -rf "$dir"' EXIT
    else
      trap 'stop "$dir"' EXIT
    fi
    trap 'exit 130' INT TERM
    start "$dir"
    DEBUG=0 "$PY" manage.py seed_demo >/dev/null
    echo "Blog through nginx:   $(sed -n 's/^SITE_URL=//p' "$dir/cluster.env")/"
    grep '^INSTANCE_' "$dir/cluster.env" | sed 's/^INSTANCE_\(.*\)=/Instance \1:        /'
    echo "Kakao sandbox:        $(sed -n 's/^SANDBOX_URL=//p' "$dir/cluster.env")/ (not the real Kakao)"
    echo "Members only:         $(sed -n 's/^SITE_URL=//p' "$dir/cluster.env")/members/ (Authorization: Bearer <access token>;" \
      "verifier answers cached $(sed -n 's/^AUTHORIZER_RESULT_TTL_SECONDS=//p' "$dir/cluster.env") s)"
    echo "Logs under $dir. Press Ctrl-C to stop everything."
    while true; do sleep 3600 & wait $!; done
    ;;
  *) usage ;;
esac
