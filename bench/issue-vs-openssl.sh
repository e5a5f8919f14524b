#!/usr/bin/env bash
# Issues the same ECDSA P-256 client certificate (CN, email SAN, clientAuth EKU,
# 397 days) with `regcert issue` and with the openssl CLI recipe users follow
# (openssl req -new + openssl x509 -req -extfile), in one hyperfine run, and
# prints the medians and their ratio.
#
#   bash bench/issue-vs-openssl.sh [RUNS]       (needs hyperfine, jq; npm run build first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install hyperfine" >&2; exit 2; }
[ -f dist/cli/main.js ] || npm run build --silent
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node bin/regcert.js init-ca --dir "$work/pki" >/dev/null
cat > "$work/ext.cnf" <<'CNF'
[v3]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = email:alice@example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
regcert="node $PWD/bin/regcert.js issue alice --dir $work/pki --out-dir $work/r --client --san alice@example.com --force"
openssl_recipe="openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $work/o/alice.key -subj /CN=alice -out $work/o/alice.csr 2>/dev/null && openssl x509 -req -in $work/o/alice.csr -CA $work/pki/ca.crt -CAkey $work/pki/ca.key -set_serial 0x\$(openssl rand -hex 16) -days 397 -sha256 -extfile $work/ext.cnf -extensions v3 -out $work/o/alice.crt 2>/dev/null"
mkdir -p "$work/r" "$work/o"
hyperfine --warmup 3 --runs "$runs" --export-json "$work/out.json" -N \
  --command-name regcert "$regcert" \
  --command-name openssl "bash -c '$openssl_recipe'" >&2
jq -r '
  .results as $r
  | ($r[] | select(.command=="regcert") | .median) as $a
  | ($r[] | select(.command=="openssl") | .median) as $b
  | "median regcert issue: \($a*1000|floor) ms\nmedian openssl req + x509 -req: \($b*1000|floor) ms\nratio regcert/openssl: \(($a/$b*100|round)/100)"' "$work/out.json"
