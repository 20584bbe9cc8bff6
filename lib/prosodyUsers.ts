/**
 * Accounts of auth.type "internal". Prosody keeps them in its data directory, which then lives on a
 * volume so a restart keeps them; a sidecar of each shard's prosody makes that directory match the
 * stack's list. It reads the passwords from a Secret volume, which the kubelet refreshes in place, so
 * adding a user or changing a password reaches every shard within a minute, without a restart.
 *
 * The commands are prosody 13's admin shell (plugins/mod_admin_shell.lua): `user password` fails with
 * "No such user" for a new account, which `user create` then makes; `prosodyctl shell` exits with the
 * number of errors. Its arguments are quoted by prosodyctl (util/prosodyctl/shell.lua), so a password
 * may hold any character.
 */

/** Where the sidecar finds one file per user, named after the user, holding the password. */
export const USERS_DIR = "/users";
/** The Secret behind USERS_DIR. */
export const INTERNAL_USERS_SECRET = "jitsi-internal-users";
/** Prosody's data (accounts, and the admin socket prosodyctl talks to): data_path in defaults/prosody.cfg.lua. */
export const PROSODY_DATA_DIR = "/var/lib/prosody";
/** How often the sidecar compares the Secret with what it last applied. */
export const USER_SYNC_PERIOD_SECONDS = 30;
/** Touched on every round; the liveness probe restarts a sidecar stuck in a command. */
export const USER_SYNC_HEARTBEAT = "/tmp/user-sync.alive";
export const USER_SYNC_LIVENESS = ["/bin/sh", "-c", `find ${USER_SYNC_HEARTBEAT} -mmin -5 | grep -q .`];

/** The pod variables the script reads: the domains, and the service accounts' passwords it keeps current. */
export const USER_SYNC_ENV = [
    "XMPP_DOMAIN",
    "XMPP_AUTH_DOMAIN",
    "XMPP_HIDDEN_DOMAIN",
    "JVB_AUTH_USER",
    "JICOFO_AUTH_PASSWORD",
    "JVB_AUTH_PASSWORD",
    "JIBRI_XMPP_PASSWORD",
    "JIBRI_RECORDER_PASSWORD",
    "JIGASI_XMPP_PASSWORD",
    "JIGASI_TRANSCRIBER_PASSWORD",
    "TZ",
];

/**
 * The sidecar's script. It also sets the service accounts' passwords: register-setup only creates them,
 * and on a kept data directory "User exists" would leave a rotated password unset. It forgets only the
 * accounts it created itself (listed in a state file on the volume), never one made by hand.
 */
const SCRIPT = `set -u
# The pod's paths; test/accountsLive.test.ts points them at a prosody of its own.
CFG=\${PROSODY_CONFIG:-/run/prosody/config/prosody.cfg.lua}
DATA=\${PROSODY_DATA:-${PROSODY_DATA_DIR}}
USERS=\${USERS_DIR:-${USERS_DIR}}
PERIOD=\${SYNC_PERIOD:-${USER_SYNC_PERIOD_SECONDS}}
HEARTBEAT=\${SYNC_HEARTBEAT:-${USER_SYNC_HEARTBEAT}}
STATE="$DATA/jitsi-pulumi-users"
ctl() { timeout 60 prosodyctl --config "$CFG" shell "$@" >/dev/null 2>&1; }
ensure() { ctl user password "$1" "$2" || ctl user create "$1" "$2" || { echo "[users] could not set the password of $1"; return 1; }; }
# prosodyctl talks to prosody through the admin socket in its data directory (admin_shell).
until [ -S "$DATA/data/prosody.sock" ]; do touch "$HEARTBEAT"; sleep 2; done
ensure "focus@$XMPP_AUTH_DOMAIN" "$JICOFO_AUTH_PASSWORD"
ensure "$JVB_AUTH_USER@$XMPP_AUTH_DOMAIN" "$JVB_AUTH_PASSWORD"
if [ -n "\${JIBRI_XMPP_PASSWORD:-}" ]; then ensure "jibri@$XMPP_AUTH_DOMAIN" "$JIBRI_XMPP_PASSWORD"; fi
if [ -n "\${JIBRI_RECORDER_PASSWORD:-}" ]; then ensure "recorder@$XMPP_HIDDEN_DOMAIN" "$JIBRI_RECORDER_PASSWORD"; fi
__GATEWAY_ACCOUNTS__touch "$STATE"
applied=""
while true; do
  touch "$HEARTBEAT"
  current=$(cd "$USERS" && for f in *; do [ -f "$f" ] && echo "$f $(sha256sum < "$f")"; done)
  if [ "$current" != "$applied" ]; then
    failed=0
    for f in "$USERS"/*; do
      if [ -f "$f" ]; then ensure "$(basename "$f")@$XMPP_DOMAIN" "$(cat "$f")" || failed=1; fi
    done
    while read -r name; do
      if [ -n "$name" ] && [ ! -f "$USERS/$name" ]; then ctl user delete "$name@$XMPP_DOMAIN" && echo "[users] deleted $name"; fi
    done < "$STATE"
    (cd "$USERS" && for f in *; do [ -f "$f" ] && echo "$f"; done) > "$STATE"
    if [ "$failed" = 0 ]; then
      applied="$current"
      echo "[users] $(wc -l < "$STATE") accounts in step with the stack"
    else
      echo "[users] retrying in $PERIOD s"
    fi
  fi
  sleep "$PERIOD"
done
`;

/** Jigasi's accounts, which the script keeps only where the stack runs Jigasi. */
const GATEWAY_ACCOUNTS = `if [ -n "\${JIGASI_XMPP_PASSWORD:-}" ]; then ensure "jigasi@$XMPP_AUTH_DOMAIN" "$JIGASI_XMPP_PASSWORD"; fi
if [ -n "\${JIGASI_TRANSCRIBER_PASSWORD:-}" ]; then ensure "transcriber@$XMPP_HIDDEN_DOMAIN" "$JIGASI_TRANSCRIBER_PASSWORD"; fi
`;

/**
 * The script as the sidecar runs it. The script is part of prosody's pod template, so a stack without
 * Jigasi keeps the script it had before Jigasi existed: an upgrade of this program restarts no prosody.
 */
export function userSyncScript(gateways: boolean): string {
    return SCRIPT.replace("__GATEWAY_ACCOUNTS__", gateways ? GATEWAY_ACCOUNTS : "");
}

/** The script with every account it can keep (what test/accountsLive.test.ts runs). */
export const USER_SYNC_SCRIPT = userSyncScript(true);
