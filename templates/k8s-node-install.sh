# Written by regcert for {{host}}: keeps this node's registry client files
# equal to the mounted Secret (tls.crt, tls.key, ca.crt) and ConfigMap.
# Every REGCERT_INTERVAL seconds it compares each file's SHA-256 and mode
# with the node's copy and replaces only what differs (a temporary file
# beside it, then a rename). containerd, Docker and CRI-O read these files
# on every pull: nothing is restarted. REGCERT_ONCE=1 runs one pass and exits
# (non-zero when an input is missing).
set -eu
secret=${REGCERT_SECRET_DIR:-/regcert/secret}
config=${REGCERT_CONFIG_DIR:-/regcert/config}
host_root=${REGCERT_HOST_ROOT:-/host}
interval=${REGCERT_INTERVAL:-{{interval}}}

sum() { sha256sum < "$1" | cut -d' ' -f1; }

# stage SRC DST MODE: a temporary copy beside DST when DST's checksum or mode differs.
stage() {
  dst=$host_root$2
  if [ -f "$dst" ] && [ ! -L "$dst" ] && [ "$(sum "$1")" = "$(sum "$dst")" ] && [ "$(stat -c %a "$dst")" = "${3#0}" ]; then
    return 0
  fi
  mkdir -p "${dst%/*}"
  rm -f "$dst.regcert-tmp"
  cp "$1" "$dst.regcert-tmp"
  chmod "$3" "$dst.regcert-tmp"
}

# commit SRC DST MODE: the staged copy replaces DST (all copies are staged first).
commit() {
  if [ -f "$host_root$2.regcert-tmp" ]; then
    mv -f "$host_root$2.regcert-tmp" "$host_root$2"
    echo "regcert: installed $2 (mode $3)"
  fi
}

ready() {
  for f in "$secret/tls.crt" "$secret/tls.key" "$secret/ca.crt"{{configInputs}}; do
    if [ ! -s "$f" ]; then
      echo "regcert: waiting for $f (is the Secret {{secret}} there?)" >&2
      return 1
    fi
  done
}

files() {
{{files}}
}

while :; do
  if ready; then
    files stage
    files commit
  elif [ "${REGCERT_ONCE:-0}" = 1 ]; then
    exit 1
  fi
  if [ "${REGCERT_ONCE:-0}" = 1 ]; then exit 0; fi
  sleep "$interval"
done
