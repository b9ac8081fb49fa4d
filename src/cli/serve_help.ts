/**
 * The `clockd serve --help` text.
 *
 * @module
 */

import { DEFAULT_CONFIG_PATH } from "./config_file.ts";
import { defaultWorkers, SERVE_DEFAULTS } from "./serve_flags.ts";
import { PROXY_HEADER_TIMEOUT_MS } from "../io/proxied_conn.ts";

const D = SERVE_DEFAULTS;
const PROXY_WAIT = `${PROXY_HEADER_TIMEOUT_MS / 1000} s`;

/** The `clockd serve --help` text, its defaults read from {@linkcode SERVE_DEFAULTS}. */
export const SERVE_HELP = `Usage: clockd serve [flags]

Serves the time. With no listener flag: the session protocol on TCP and UDP
port 1200, daytime on 10013, time on 10037, NTP on 10123 and the HTTP time API
on 8080, every interface (IPv4 and IPv6). With any listener flag, only the
listeners named.

Listeners (repeatable; ADDR is :PORT, HOST:PORT or [IPv6]:PORT, with /tcp or
/udp appended to serve one transport only; port 0 picks a free port):
  --session ADDR              session protocol, TCP and UDP (default :1200)
  --daytime ADDR              RFC 867 daytime, TCP and UDP (default :10013)
  --time ADDR                 RFC 868 time, TCP and UDP (default :10037)
  --ntp ADDR                  NTP server (SNTP), UDP (default :10123)
  --http ADDR                 HTTP time API, page, /metrics and /healthz, TCP (default :8080)

Standard services:
  --daytime-format NAME       format of the daytime line (default ${D["daytime-format"]}; nist for
                              the NIST layout; any format of clockd formats)
  --ntp-sync MODE             kernel: answer as synchronised only while the kernel
                              clock is (needs FFI to libc; default on Linux);
                              always: claim --ntp-stratum regardless (labs, tests)
  --ntp-stratum N             stratum claimed while synchronised, 1-15 (default ${D["ntp-stratum"]})
  --ntp-refid ID              reference ID, up to 4 ASCII characters (default ${D["ntp-refid"]})

Session protocol:
  --default-format NAME       format of an empty request (default ${
  D["default-format"]
}; see clockd formats)
  --tz ZONE                   zone answers are rendered in (default ${D.tz}; IANA name,
                              UTC, local, or an offset like +05:30)
  --idle-timeout DURATION     close a TCP session with no request for this long (default ${
  D["idle-timeout"]
})
  --partial-wait DURATION     answer a request with no newline after the client is
                              quiet this long; 0 waits for half-close (default ${
  D["partial-wait"]
}, at most 100ms)
  --max-sessions N            most TCP sessions open at once (default ${D["max-sessions"]})
  --max-sessions-per-ip N     most TCP sessions from one address (default ${
  D["max-sessions-per-ip"]
})

Abuse limits and access control (every listener):
  --udp-rate RATE             datagrams per source (IPv4 address, IPv6 /64) per
                              second or minute: 20, 20/s, 600/m, or off (default ${D["udp-rate"]})
  --udp-burst N               datagrams a quiet source may send at once (default 2 s of rate)
  --tcp-rate RATE             new TCP connections per source (default ${D["tcp-rate"]})
  --rate-sources N            sources each rate limiter remembers (default ${D["rate-sources"]})
  --allow CIDR                allow only these clients (repeatable; IPv4 or IPv6)
  --deny CIDR                 deny these clients (repeatable; wins over --allow)
  --proxy-protocol CIDR       load balancers whose TCP connections must open with a
                              PROXY header, v1 or v2 (repeatable): the client it
                              names is the one allowed, limited, logged and served;
                              without a valid header within ${PROXY_WAIT} the
                              connection is closed (refused reason proxy-header).
                              Anyone else's header is just request bytes
  --service NAME.KEY=VALUE    one service's own allow, deny (comma-separated),
                              udp-rate, udp-burst, tcp-rate, or disable=true (its
                              listeners are not opened), over the global ones
                              (repeatable; [service.NAME] in the config file),
                              e.g. --service daytime.deny=192.0.2.0/24

Process:
  --config FILE               read settings from a TOML file first (flags win): every
                              flag under its long name (session = [":1200"],
                              udp-rate = "20/s", workers = 4, ready-json = true) and
                              [service.NAME] tables; default ${DEFAULT_CONFIG_PATH}
                              when it exists and clockd runs under systemd
  --log-level LEVEL           trace, debug, info, warning, error (default ${D["log-level"]})
  --log-format FORMAT         text or json (default ${D["log-format"]})
  --ready-json                print one JSON line on stdout with the bound addresses
  --shutdown-timeout DURATION most time SIGTERM/SIGINT shutdown may take (default ${
  D["shutdown-timeout"]
})
  --metrics ADDR              serve /metrics (Prometheus text) and /healthz over HTTP
                              on ADDR, e.g. 127.0.0.1:9123 (default: off)
  --healthz-requires-sync yes|no
                              /healthz (--metrics and --http) answers 503 while the
                              clock is unsynchronised (default yes with --ntp-sync
                              kernel, no with always)
  --workers N                 serving isolates sharing every port through SO_REUSEPORT
                              (default: the number of cores, here ${defaultWorkers()})
  --io ENGINE                 ${D.io} (default on Linux x86_64/aarch64): epoll and
                              batched recvmmsg/sendmmsg through libc with kernel
                              receive stamps (needs the FFI grant on libc; numeric
                              addresses); deno: Deno's own sockets, portable. Where
                              kernel cannot run, clockd serves on deno and says why
  -h, --help                  show this help

DURATION is a number and a unit: 100ms, 5s, 2m, 1h.`;
