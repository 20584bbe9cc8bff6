/**
 * Bridges on clusters whose nodes have private InternalIPs (most managed clusters) must advertise the
 * node's ExternalIP, which only the Node object knows: neither the downward API (status.hostIP is the
 * InternalIP) nor STUN (it answers with the egress NAT address, which on a private cluster is not the
 * node's) gives it. An init container reads it with a short-lived token of a ServiceAccount that may
 * only `get` nodes, and hands it to the bridge in a file; the bridge itself holds no token.
 */

/** Where the init container leaves the addresses and the bridge's start command reads them. */
export const ADVERTISE_DIR = "/advertise";
export const NODE_READER_TOKEN_DIR = "/var/run/secrets/node-reader";

/** Runs in the jvb image (bash, curl and jq are installed there: jvb/Dockerfile at stable-11146-2). */
export const NODE_ADDRESS_SCRIPT = [
    "set -euo pipefail",
    `dir=${NODE_READER_TOKEN_DIR}`,
    'node=$(curl -sS --fail --max-time 10 --retry 6 --retry-all-errors --cacert "$dir/ca.crt" \\',
    '  -H "Authorization: Bearer $(cat "$dir/token")" "https://kubernetes.default.svc/api/v1/nodes/${NODE_NAME}")',
    `ips=$(printf '%s' "$node" | jq -r '[.status.addresses[] | select(.type == "ExternalIP") | .address] | join(",")')`,
    'if [ -z "$ips" ]; then',
    '  echo "node ${NODE_NAME} has no ExternalIP: clients could not reach a bridge on it. Run bridges on nodes with public' +
        ' addresses, or set jitsi:jvb.publicIps or jitsi:jvb.advertise." >&2',
    "  exit 1",
    "fi",
    'echo "advertising ${ips}"',
    `printf '%s' "$ips" > ${ADVERTISE_DIR}/ips`,
].join("\n");
