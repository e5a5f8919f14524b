#!/bin/sh
# regcert: turn on TLS client-certificate login in Mirantis Secure Registry
# ({{host}}), trusting client certificates signed by {{caPath}}.
# Run with Docker access to an MSR node. Set MKE_URL, MKE_USERNAME, MKE_CA
# (the MKE CA file) and REPLICA_ID (an existing MSR replica) first.
set -eu
MSR_VERSION="${MSR_VERSION:-2.9.16}"
: "${MKE_URL:?set MKE_URL, e.g. https://mke.example.com}"
: "${REPLICA_ID:?set REPLICA_ID to an existing MSR replica id}"
docker run -it --rm "mirantis/dtr:${MSR_VERSION}" reconfigure \
  --ucp-url "$MKE_URL" \
  --ucp-username "${MKE_USERNAME:-admin}" \
  --ucp-ca "$(cat "${MKE_CA:-mke-ca.pem}")" \
  --existing-replica-id "$REPLICA_ID" \
  --enable-client-cert-auth \
  --client-cert-auth-ca "$(cat {{caPathShell}})"
