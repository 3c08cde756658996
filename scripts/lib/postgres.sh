# A throw-away PostgreSQL server and Debian packages, shared by scripts/test and
# bench/run (sourced, not run). The caller sets `set -euo pipefail`, calls
# `pg_stop` from its EXIT trap, and reads pg_bin, pg_major, pg_port and pg_url
# after `pg_start`.
#
#   pg_find_bin                    the highest /usr/lib/postgresql/*/bin with initdb
#                                  and pg_ctl (or $PG_BIN)
#   apt_install PKG...             one apt-get run (as root, or through sudo)
#   pg_start [SERVER OPTION...]    initdb in a fresh temp folder and start the server
#                                  on a free loopback port (options as `-c name=value`)
#   pg_stop                        stop it and remove its folder

pg_tmp=""
pg_started=0

pg_log() { printf '%s\n' "$*" >&2; }

pg_find_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        printf '%s\n' "$PG_BIN"
        return 0
    fi
    local d
    # Highest major version that has the server tools.
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then printf '%s\n' "$d"; fi
    done | sort -V | tail -n 1
}

# Installs the given packages in one apt-get run (one `apt-get update`).
apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { pg_log "$* not installed and we are not root: apt-get install $*"; exit 1; }
        sudo=(sudo)
    fi
    pg_log "== installing $* (apt-get install) =="
    # Do not let the postgresql package create (and possibly start) its default
    # cluster on port 5432: we only want the binaries. The drop-in is removed after.
    local dropin=""
    if [[ " $* " == *" postgresql "* ]]; then
        dropin=/etc/postgresql-common/createcluster.d/zz-assent-scripts-test.conf
        "${sudo[@]}" mkdir -p /etc/postgresql-common/createcluster.d
        echo "create_main_cluster = false" | "${sudo[@]}" tee "$dropin" >/dev/null
    fi
    local rc=0
    {
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null
    } || rc=$?
    if [ -n "$dropin" ]; then "${sudo[@]}" rm -f "$dropin"; fi
    return "$rc"
}

# initdb refuses to run as root, so as root the server runs as `postgres`.
pg_as() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$pg_tmp" && runuser -u postgres -- "$@")
    else
        (cd "$pg_tmp" && "$@")
    fi
}

pg_free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else # perl-base (with IO::Socket::INET) is essential on Debian
        perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "tcp", Listen => 1) or die "bind: $!"; print $s->sockport, "\n"'
    fi
}

pg_start() {
    [ -n "${pg_bin:-}" ] || { pg_log "pg_start: pg_bin is not set (pg_find_bin)"; exit 1; }
    pg_major="$("$pg_bin/pg_ctl" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
    pg_tmp="$(mktemp -d /tmp/assent-pg.XXXXXX)"
    local pg_data="$pg_tmp/data" pg_logfile="$pg_tmp/postgres.log"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_tmp"; fi
    pg_as "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --no-locale -N >"$pg_tmp/initdb.log" 2>&1 || {
        cat "$pg_tmp/initdb.log" >&2
        pg_log "initdb failed"
        exit 1
    }
    local t0 t1 port attempt
    t0="$(date +%s.%N)"
    pg_port=""
    # Between picking a port and the server binding it, someone else may take it:
    # retry a couple of times with a fresh port before giving up.
    for attempt in 1 2 3; do
        port="$(pg_free_port)"
        if pg_as "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_logfile" -w -t 60 \
            -o "-p $port -k $pg_tmp -c listen_addresses=127.0.0.1 $*" \
            start >"$pg_tmp/pg_ctl.log" 2>&1; then
            pg_port="$port"
            pg_started=1
            break
        fi
        # pg_ctl may have given up while the server was still coming up.
        if [ -f "$pg_data/postmaster.pid" ]; then pg_started=1; break; fi
        pg_log "PostgreSQL did not start on port $port (attempt $attempt)"
    done
    if [ -z "$pg_port" ]; then
        pg_log "---- pg_ctl output ----"; cat "$pg_tmp/pg_ctl.log" >&2 || true
        pg_log "---- $pg_logfile ----"; cat "$pg_logfile" >&2 || true
        pg_log "could not start PostgreSQL $pg_major ($pg_bin)"
        exit 1
    fi
    t1="$(date +%s.%N)"
    pg_log "PostgreSQL $pg_major started on 127.0.0.1:$pg_port in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s (data in $pg_data)"
    pg_url="postgres://postgres@127.0.0.1:$pg_port/postgres"
}

pg_stop() {
    if [ "$pg_started" = 1 ]; then
        pg_as "$pg_bin/pg_ctl" -D "$pg_tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
        pg_started=0
    fi
    if [ -n "$pg_tmp" ]; then rm -rf "$pg_tmp"; fi
    pg_tmp=""
}
