#!/usr/bin/env bash
# clockd's daytime (RFC 867, TCP one-shot) and NTP listeners side by side with the daemons people
# run for them: xinetd's internal daytime and chronyd as an NTP server. Same machine, same run,
# loopback only, the shared Go load generator (../shared/bench/loadgen) driving all of them.
#
#   bench/compare_daemons.sh
#   ROUNDS=5 SECS=10 bench/compare_daemons.sh
#
# Each workload runs ROUNDS rounds, alternating which server goes first; medians are kept. The last
# line is 'ratio daytime=R ntp=R': clockd's ops/s divided by xinetd's or chronyd's (above 1: clockd
# is faster). A half whose clockd listener does not exist yet (no --daytime or --ntp in
# 'clockd serve --help') still runs the other daemon and prints n/a for the ratio.
#
# Env:
#   ROUNDS (3), SECS (5), CLIENTS (16), WORKLOADS ("daytime ntp"), BENCH_BIN (/tmp/clockd-bench)
#   XINETD_PORT (10013), CHRONY_PORT (11123): the daemons' ports on 127.0.0.1; must be free
#   CLOCKD_CMD: clockd's command line, {daytime} and {ntp} replaced by free ports; by default
#     'deno task start' (the project's own permissions) with --daytime 127.0.0.1:{daytime}/tcp
#     --ntp 127.0.0.1:{ntp} --ntp-sync always --udp-rate off --tcp-rate off --log-level warning
# Needs: xinetd, chrony (apt-get install xinetd chrony), Go for the load generator (built on first
# use by ../shared/bench/build.sh), python3, ss. chronyd runs with -x: it never touches the clock.
# Every process started here is killed on exit, whatever the exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${SHARED_BENCH:-$root/../shared/bench}
bin=${BENCH_BIN:-/tmp/clockd-bench}
ROUNDS=${ROUNDS:-3} SECS=${SECS:-5} CLIENTS=${CLIENTS:-16}
WORKLOADS=${WORKLOADS:-"daytime ntp"}
XINETD_PORT=${XINETD_PORT:-10013} CHRONY_PORT=${CHRONY_PORT:-11123}
XINETD=${XINETD:-/usr/sbin/xinetd} CHRONYD=${CHRONYD:-/usr/sbin/chronyd}

[ -x "$bin/loadgen" ] || BENCH_BIN=$bin "$shared/build.sh" >/dev/null
for tool in "$XINETD" "$CHRONYD"; do
  [ -x "$tool" ] || { echo "compare_daemons: $tool is missing (apt-get install xinetd chrony)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/clockd-compare.XXXXXX)
pgroups=()
loadgen_pid=
cleanup() {
  if [ -n "$loadgen_pid" ]; then
    kill -KILL "$loadgen_pid" 2>/dev/null || true
    wait "$loadgen_pid" 2>/dev/null || true
  fi
  for g in "${pgroups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  sleep 0.3
  for g in "${pgroups[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
in_use() { [ -n "$(ss -Hln "( sport = :$1 )" 2>/dev/null)" ]; }
listener_pid() { ss -Hlnp "$1" "sport = :$2" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1; }
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
field() { python3 -c 'import json,sys;d=json.load(sys.stdin);print(d.get(sys.argv[1],0))' "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# start NAME SS_FLAG PORT CMD: runs CMD in its own process group, waits for its listener, sets spid.
start() {
  setsid bash -c "exec $4" >"$work/$1.log" 2>&1 &
  pgroups+=($!)
  for _ in $(seq 1 150); do
    spid=$(listener_pid "$2" "$3")
    [ -n "$spid" ] && return 0
    sleep 0.1
  done
  echo "compare_daemons: $1 did not listen on 127.0.0.1:$3; its log:" >&2
  tail -n 20 "$work/$1.log" >&2
  exit 1
}

for port in $XINETD_PORT $CHRONY_PORT; do
  if in_use "$port"; then
    echo "compare_daemons: port $port is in use (clockd's own defaults are 10013 and 10123);" \
      "set XINETD_PORT / CHRONY_PORT" >&2
    exit 1
  fi
done

ck_daytime_port=$(free_port) ck_ntp_port=$(free_port)
if [ -z "${CLOCKD_CMD:-}" ]; then
  # Every load client shares 127.0.0.1, so the per-source rate limits are off.
  CLOCKD_CMD="deno task --quiet --config '$root/deno.json' start --daytime 127.0.0.1:{daytime}/tcp"
  CLOCKD_CMD+=" --ntp 127.0.0.1:{ntp} --ntp-sync always --udp-rate off --tcp-rate off --log-level warning"
fi
[[ $CLOCKD_CMD == *"{daytime}"* ]] && ck_daytime=1 || ck_daytime=0
[[ $CLOCKD_CMD == *"{ntp}"* ]] && ck_ntp=1 || ck_ntp=0
clockd_cmd=${CLOCKD_CMD//\{daytime\}/$ck_daytime_port}
clockd_cmd=${clockd_cmd//\{ntp\}/$ck_ntp_port}

# xinetd's built-in daytime (the service name picks the built-in; UNLISTED: no /etc/services entry).
# No connection-rate or instance limit, so the comparison measures serving, not throttling.
cat >"$work/xinetd.conf" <<EOF
defaults
{
	instances  = UNLIMITED
	per_source = UNLIMITED
	cps        = 1000000 1
}
service daytime
{
	type        = INTERNAL UNLISTED
	id          = daytime-stream
	socket_type = stream
	protocol    = tcp
	wait        = no
	user        = root
	bind        = 127.0.0.1
	port        = $XINETD_PORT
}
EOF
# chronyd as a stratum-10 server of its local clock: no sources, no ratelimit, no command port;
# -x: never touches the system clock; -u root: the pid and drift files stay in $work.
cat >"$work/chrony.conf" <<EOF
local stratum 10
port $CHRONY_PORT
bindaddress 127.0.0.1
allow 127.0.0.1
cmdport 0
pidfile $work/chronyd.pid
driftfile $work/chronyd.drift
EOF

declare -A port pid
run_daytime=0 run_ntp=0
[[ " $WORKLOADS " == *" daytime "* ]] && run_daytime=1
[[ " $WORKLOADS " == *" ntp "* ]] && run_ntp=1
if [ $run_daytime = 1 ]; then
  start xinetd -t "$XINETD_PORT" \
    "$XINETD -dontfork -filelog $work/xinetd-service.log -f $work/xinetd.conf -pidfile $work/xinetd.pid"
  port[daytime.xinetd]=$XINETD_PORT pid[daytime.xinetd]=$spid
fi
if [ $run_ntp = 1 ]; then
  start chronyd -u "$CHRONY_PORT" "$CHRONYD -x -d -u root -f $work/chrony.conf"
  port[ntp.chronyd]=$CHRONY_PORT pid[ntp.chronyd]=$spid
fi
if [ $((run_daytime * ck_daytime + run_ntp * ck_ntp)) -gt 0 ]; then
  if [ $((run_daytime * ck_daytime)) = 1 ]; then
    start clockd -t "$ck_daytime_port" "$clockd_cmd"
  else
    start clockd -u "$ck_ntp_port" "$clockd_cmd"
  fi
  port[daytime.clockd]=$ck_daytime_port port[ntp.clockd]=$ck_ntp_port
  pid[daytime.clockd]=$spid pid[ntp.clockd]=$spid
fi
sleep 1

echo "compare_daemons: $ROUNDS rounds of ${SECS}s, $CLIENTS clients, load average $(cut -d' ' -f1 /proc/loadavg) at start"
echo "clockd: $clockd_cmd"
declare -A ops p50 p99 errs rss
result() { # workload server mode
  local key=$1.$2 j
  if ! kill -0 "${pid[$key]}" 2>/dev/null; then
    echo "compare_daemons: $2 has exited; its log:" >&2
    tail -n 20 "$work/$2.log" >&2
    exit 1
  fi
  # In the background and waited for, so a signal interrupts the wait at once.
  "$bin/loadgen" -mode "$3" -addr "127.0.0.1:${port[$key]}" -c "$CLIENTS" -d "${SECS}s" \
    >"$work/loadgen.json" &
  loadgen_pid=$!
  wait "$loadgen_pid"
  loadgen_pid=
  j=$(<"$work/loadgen.json")
  ops[$key]+=" $(field ops_per_s <<<"$j")"
  p50[$key]+=" $(field p50_us <<<"$j")"
  p99[$key]+=" $(field p99_us <<<"$j")"
  errs[$key]=$(( ${errs[$key]:-0} + $(field errors <<<"$j") + $(field kod <<<"$j") ))
  rss[$key]=$(rss_kb "${pid[$key]}")
  local first; first=$(field first_error <<<"$j")
  [ "$first" = 0 ] || echo "  $key: first error: $first" >&2
}
pairs=()
[ $run_daytime = 1 ] && pairs+=("daytime xinetd oneshot $ck_daytime")
[ $run_ntp = 1 ] && pairs+=("ntp chronyd ntp $ck_ntp")
for r in $(seq 1 "$ROUNDS"); do
  for pair in "${pairs[@]}"; do
    read -r w other mode has_clockd <<<"$pair"
    order=("$other")
    if [ "$has_clockd" = 1 ]; then
      if [ $((r % 2)) = 1 ]; then order=("$other" clockd); else order=(clockd "$other"); fi
    fi
    for s in "${order[@]}"; do result "$w" "$s" "$mode"; done
  done
done

printf '%-8s %-8s %10s %8s %8s %7s %9s\n' workload server ops/s p50_us p99_us errors rss_kB
declare -A med
for pair in "${pairs[@]}"; do
  read -r w other _ has_clockd <<<"$pair"
  servers=("$other"); [ "$has_clockd" = 1 ] && servers+=(clockd)
  for s in "${servers[@]}"; do
    key=$w.$s
    # shellcheck disable=SC2086 # the lists are space-separated on purpose
    med[$key]=$(median ${ops[$key]})
    # shellcheck disable=SC2086
    printf '%-8s %-8s %10.0f %8.0f %8.0f %7d %9s\n' "$w" "$s" "${med[$key]}" \
      "$(median ${p50[$key]})" "$(median ${p99[$key]})" "${errs[$key]}" "${rss[$key]}"
  done
done
ratio() { python3 -c "a,b=float('${med[$1.clockd]:-0}'),float('${med[$1.$2]:-0}');print(round(a/b,2) if a and b else 'n/a')"; }
echo "ratio daytime=$(ratio daytime xinetd) ntp=$(ratio ntp chronyd)"
