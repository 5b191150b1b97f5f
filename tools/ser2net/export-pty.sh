#!/bin/sh
# export-pty.sh - export a serial device or pty over ser2net (raw TCP + RFC 2217), in the foreground.
# usage: tools/ser2net/export-pty.sh DEVICE [RAW_PORT] [RFC2217_PORT] [BAUD] [BIND]
#   e.g. tools/ser2net/export-pty.sh /dev/ttyACM0 3000 2217 115200 0.0.0.0
# Then: node run-hil.js --port tcp://HOST:3000 ...   or   --port rfc2217://HOST:2217 ...
set -eu
DEVICE=${1:?usage: export-pty.sh DEVICE [RAW_PORT] [RFC2217_PORT] [BAUD] [BIND]}
RAW_PORT=${2:-3000}
RFC2217_PORT=${3:-2217}
BAUD=${4:-115200}
BIND=${5:-127.0.0.1}
command -v ser2net >/dev/null || { echo "export-pty.sh: ser2net not installed (apt-get install ser2net)" >&2; exit 1; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
sed -e "s|@DEVICE@|$DEVICE|g" -e "s|@BAUD@|$BAUD|g" -e "s|@BIND@|$BIND|g" \
    -e "s|@RAW_PORT@|$RAW_PORT|g" -e "s|@RFC2217_PORT@|$RFC2217_PORT|g" \
    "$(dirname "$0")/pty.yaml.template" > "$DIR/ser2net.yaml"
echo "export-pty.sh: $DEVICE at $BAUD on tcp://$BIND:$RAW_PORT and rfc2217://$BIND:$RFC2217_PORT" >&2
ser2net -n -d -u -c "$DIR/ser2net.yaml" -P "$DIR/ser2net.pid"
