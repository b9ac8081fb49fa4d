#!/usr/bin/env bash
# CPU time per answer of a server under a load command, and of the load command itself: user and
# system time of every process of the server's group (clockd's workers are threads of one process;
# a forking server's children count too, running or waited for) over the load's run, divided by the answers the load
# reports. On a machine whose cores the two share, ops/s is about the cores over the two together,
# so this says which side bounds a rate, and how far the server is from a peer or a floor.
#
#   SERVER='deno task --quiet start --ntp 127.0.0.1:{port} --ntp-sync always --udp-rate off' \
#   LOAD='../shared/bench/loadgen/loadgen -mode ntp -addr 127.0.0.1:{port} -c 16 -d 5s' \
#   bench/cpu_per_answer.sh
#
# {port} becomes PORT (default: a free port). The load command must print the answers it counted as
# '"ops":N' (the shared Go load generator's JSON line does). Last line:
#   'ops/s R; server U µs user + S µs system = T µs per answer; load L µs per answer'
# Needs: ss, getconf, python3 (for a free port when PORT is unset). Loopback only; the server's process
# group is killed on exit, whatever the exit.
set -euo pipefail
: "${SERVER:?set SERVER (see the header of this script)}" "${LOAD:?set LOAD (see the header)}"
PORT=${PORT:-$(python3 -c 'import socket
while True:
    t=socket.socket(); t.bind(("127.0.0.1",0)); p=t.getsockname()[1]
    try:
        u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.bind(("127.0.0.1",p)); print(p); break
    except OSError: pass')}
server=${SERVER//\{port\}/$PORT}
load=${LOAD//\{port\}/$PORT}
tmp=$(mktemp -d)
setsid bash -c "exec $server" >"$tmp/server.log" 2>&1 &
group=$!
trap 'kill -- -$group 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 150); do
  ss -Hlnu "sport = :$PORT" | grep -q . && break
  ss -Hltn "sport = :$PORT" | grep -q . && break
  kill -0 "$group" 2>/dev/null || { echo "the server exited: $(tail -n 3 "$tmp/server.log")" >&2; exit 1; }
  sleep 0.1
done
sleep 1 # let every worker of the server start
# Clock ticks (user, system) of every process in the server's group.
ticks() {
  local user=0 system=0 pid fields
  for pid in $(ps -eo pid=,pgid= | awk -v g="$group" '$2 == g { print $1 }'); do
    fields=$(cut -d')' -f2 "/proc/$pid/stat" 2>/dev/null) || continue
    set -- $fields
    # utime, stime, and cutime, cstime: children it has waited for (a server forking per connection)
    user=$((user + ${12} + ${14})) system=$((system + ${13} + ${15}))
  done
  echo "$user $system"
}
read -r user0 system0 < <(ticks)
start=$(date +%s.%N)
# times: the second line is the CPU time of the subshell's waited children, the load's.
(bash -c "exec $load" >"$tmp/load.out" && times >"$tmp/load.times")
end=$(date +%s.%N)
read -r user1 system1 < <(ticks)
ops=$(grep -o '"ops": *[0-9]*' "$tmp/load.out" | head -n 1 | grep -o '[0-9]*$' || true)
[ -n "$ops" ] && [ "$ops" -gt 0 ] || { echo "the load reported no answers: $(head -c 300 "$tmp/load.out")" >&2; exit 1; }
# '1m2.500s 0m0.250s' -> seconds, user + system.
load_cpu=$(sed -n 2p "$tmp/load.times" | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m");
  t += a[1] * 60 + a[2] } print t }')
awk -v ops="$ops" -v start="$start" -v end="$end" -v hz="$(getconf CLK_TCK)" \
  -v u=$((user1 - user0)) -v s=$((system1 - system0)) -v load="$load_cpu" 'BEGIN {
  us = 1e6 / ops
  printf "ops/s %.0f; server %.2f µs user + %.2f µs system = %.2f µs per answer; load %.2f µs per answer\n",
    ops / (end - start), u / hz * us, s / hz * us, (u + s) / hz * us, load * us
}'
