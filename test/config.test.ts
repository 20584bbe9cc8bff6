/**
 * Bad stack config stops the program before it declares anything, with a message that names the
 * key path, the value given and what is allowed.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROUTER_IMAGE_WITHOUT_PEER_UPDATES } from "../config/core";
import { DEFAULT_ROUTER_IMAGE } from "../config/defaults";
import { parseStackFile, PROJECT, readStackFile, ROOT, runProgram, runProgramOk, withConfig } from "./harness";

const production = readStackFile("production");

interface BadConfig {
    what: string;
    change: Record<string, unknown>;
    secretKeys?: string[];
    /** Every line the error must contain, key path first. */
    expect: RegExp[];
}

const table: BadConfig[] = [
    { what: "zero shards", change: { "jitsi:shards": 0 }, expect: [/jitsi:shards = 0: must be at least 1 shard/] },
    { what: "a negative shard count", change: { "jitsi:shards": -2 }, expect: [/jitsi:shards = -2: must be at least 1 shard/] },
    {
        what: "shards given as text",
        change: { "jitsi:shards": "two" },
        expect: [/jitsi:shards = "two": must be a whole number of shards \(at least 1\) or a list of shards, each \{name, zone, index, drain, imageTag, cluster\}$/m],
    },
    {
        what: "two shards whose names give one number",
        change: { "jitsi:shards": [{ name: "shard-007" }, { name: "shard-7" }] },
        expect: [
            /^ {2}- jitsi:shards\[1\]\.index = 7: shard-7 \(unset, so from its name\) has the number of shard-007 \(shards\[0\]\.index 7 \(unset, so from its name\)\): two shards would share UDP ports and a router id; give shard-7 an unused index, such as 8$/m,
        ],
    },
    {
        what: "an image tag YAML read as a number inside a structured value",
        change: { "jitsi:shards": [{ name: "shard-0", imageTag: 1.1 }] },
        expect: [
            /^ {2}- jitsi:shards\[0\]\.imageTag = 1\.1: must be text, but YAML read the unquoted value as a number \(so 1\.10 arrives as 1\.1\); quote it in the stack file: imageTag: "<the value as you meant it>"$/m,
        ],
    },
    {
        what: "a language with an underscore, in one line (no second one about Vosk images for it)",
        change: { "jitsi:transcription": { enabled: true, language: "en_US" } },
        expect: [/^Invalid stack configuration \(1 problem\):\n {2}- jitsi:transcription\.language = "en_US": must be a language tag such as en-US or de-DE$/],
    },
    {
        what: "TURN relay ports inside one shard's JVB ports, naming that shard",
        change: {
            "jitsi:shards": [{ name: "north", index: 0 }, { name: "south", index: 200 }],
            "jitsi:nodePortRange": { min: 30000, max: 60000 },
            "jitsi:turn": { host: "turn.example.org", publicIp: "203.0.113.10", relayPorts: { min: 50290, max: 50310 } },
        },
        expect: [/^Invalid stack configuration \(1 problem\):\n {2}- jitsi:turn\.relayPorts = \{"min":50290,"max":50310\}: must not overlap south's JVB UDP ports 50300-50305$/],
    },
    { what: "an empty shard list", change: { "jitsi:shards": [] }, expect: [/jitsi:shards = \[\]: must list at least one shard/] },
    {
        what: "duplicate shard names",
        change: { "jitsi:shards": [{ name: "a" }, { name: "b" }, { name: "a" }] },
        expect: [/jitsi:shards\[2\]\.name = "a": duplicate shard name \(also shards\[0\]\)/],
    },
    {
        what: "a shard name that is no DNS label",
        change: { "jitsi:shards": [{ name: "Shard_0" }] },
        expect: [/jitsi:shards\[0\]\.name = "Shard_0": must be a DNS label/],
    },
    {
        what: "min replicas above max",
        change: { "jitsi:jvb": { minReplicas: 7, maxReplicas: 6 } },
        expect: [/jitsi:jvb\.minReplicas = 7: must be at most jvb\.maxReplicas \(6\)/],
    },
    {
        what: "JVB port blocks of two shards overlapping",
        change: { "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, portStridePerShard: 4 } },
        expect: [/jitsi:jvb\.portStridePerShard = 4: must be at least jvb\.maxReplicas \(6\): .*30300-30305 and 30304-30309/],
    },
    {
        what: "a base port below the NodePort range",
        change: { "jitsi:jvb": { udpBasePort: 10000 } },
        expect: [/jitsi:jvb\.udpBasePort = 10000: must lie in the NodePort range 30000-32767/],
    },
    {
        what: "ports running past the NodePort range",
        change: { "jitsi:shards": 30, "jitsi:jvb": { maxReplicas: 6 } },
        expect: [/jitsi:shards = 30: need JVB UDP ports up to 33205, beyond the NodePort range 30000-32767/],
    },
    {
        what: "ports past a configured NodePort range",
        change: { "jitsi:nodePortRange": { min: 30000, max: 30350 } },
        expect: [/jitsi:shards = .*: need JVB UDP ports up to 30405, beyond the NodePort range 30000-30350/],
    },
    {
        what: "a host that is not a DNS name",
        change: { "jitsi:hosts": ["meet.example.org", "https://meet.example.org/"] },
        expect: [/jitsi:hosts\[1\] = "https:\/\/meet\.example\.org\/": must be a fully qualified DNS name/],
    },
    { what: "no host", change: { "jitsi:hosts": undefined }, expect: [/jitsi:hosts = \(missing\): Invalid input: expected array/] },
    {
        what: "CPU limit below request",
        change: { "jitsi:resources": { jvb: { requests: { cpu: "8", memory: "2Gi" }, limits: { cpu: "4", memory: "2Gi" } } } },
        expect: [/jitsi:resources\.jvb\.limits\.cpu = "4": must be at least requests\.cpu \(8\)/],
    },
    {
        what: "memory limit below request",
        change: { "jitsi:resources": { web: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "512Mi" } } } },
        expect: [/jitsi:resources\.web\.limits\.memory = "512Mi": must be at least requests\.memory \(1Gi\)/],
    },
    {
        what: "a malformed quantity",
        change: { "jitsi:resources": { jvb: { limits: { cpu: "eight" } } } },
        expect: [/jitsi:resources\.jvb\.limits\.cpu = "eight": must be a CPU quantity/],
    },
    {
        what: "a typo in a nested key",
        change: { "jitsi:jvb": { minReplicas: 2, maxReplicaz: 6 } },
        expect: [/jitsi:jvb\.maxReplicaz = 6: unknown setting; allowed here: minReplicas, maxReplicas,/],
    },
    {
        what: "a typo in a top-level key",
        change: { "jitsi:shard": 3 },
        expect: [/jitsi:shard = 3: unknown setting; allowed here: hosts, shards,/],
    },
    {
        what: "an unpinned image",
        change: { "jitsi:imageTag": "latest" },
        expect: [/jitsi:imageTag = "latest": must pin a version/],
    },
    {
        what: "a router image whose HAProxy does not pass a changed room to its peers",
        change: { "jitsi:router": { image: "haproxy:3.2.8-alpine" } },
        expect: [/jitsi:router\.image = "haproxy:3\.2\.8-alpine": must be HAProxy 3\.2\.9 or later: 3\.2\.0 to 3\.2\.8 do not pass a router's change of a room to its peers/],
    },
    {
        what: "a single router replica",
        change: { "jitsi:router": { replicas: 1 } },
        expect: [/jitsi:router\.replicas = 1: must be at least 2/],
    },
    {
        what: "an unknown issuer",
        change: { "jitsi:tls": { issuer: "letsencrypt" } },
        expect: [/jitsi:tls\.issuer = "letsencrypt": .*"letsencrypt-staging"\|"letsencrypt-production"/],
    },
    {
        what: "a credential in plain text",
        change: { "jitsi:jvbAuthPassword": "hunter2hunter2" },
        expect: [/jitsi:jvbAuthPassword is stored in plain text; .*pulumi config set --secret jitsi:jvbAuthPassword/],
    },
    {
        what: "cert-manager without an ACME e-mail",
        change: { "jitsi:tls": { issuer: "letsencrypt-production" } },
        expect: [/jitsi:tls\.acmeEmail = \(missing\): is required while ops\.certManager\.enabled is true/],
    },
    {
        what: "an even number of Elasticsearch masters",
        change: { "jitsi:ops": { logging: { masterNodes: 2 } } },
        expect: [/jitsi:ops\.logging\.masterNodes = 2: must be 0 or an odd number \(quorum\)/],
    },
    {
        what: "a Prometheus retention that is no duration",
        change: { "jitsi:monitoring": { prometheus: { retention: "7 days" } } },
        expect: [/jitsi:monitoring\.prometheus\.retention = "7 days": must be a duration such as 2d or 12h/],
    },
    {
        what: "bridges advertising their nodes' InternalIP without allowing private addresses",
        change: { "jitsi:jvb": { advertise: "nodeIP" } },
        expect: [/jitsi:jvb\.advertise = "nodeIP": advertises each node's InternalIP \(status\.hostIP\), a private address .*the TURN server refuses to relay to private addresses.*jvb\.allowPrivateAddresses: true/],
    },
    {
        what: "a private address among the bridges' public IPs",
        change: { "jitsi:jvb": { publicIps: ["203.0.113.7", "10.1.2.3"] } },
        expect: [/jitsi:jvb\.publicIps\[1\] = "10\.1\.2\.3": is a private address that clients on the internet cannot reach/],
    },
    {
        what: "publicIps mode without addresses",
        change: { "jitsi:jvb": { advertise: "publicIps" } },
        expect: [/jitsi:jvb\.publicIps = \[\]: must list at least one address while jvb\.advertise is "publicIps"/],
    },
    {
        what: "an unknown advertise mode",
        change: { "jitsi:jvb": { advertise: "stun" } },
        expect: [/jitsi:jvb\.advertise = "stun": .*"nodeExternalIP"\|"nodeIP"\|"publicIps"/],
    },
    {
        what: "TURN without a host",
        change: { "jitsi:turn": { publicIp: "203.0.113.10" } },
        expect: [/jitsi:turn\.host = \(missing\): is required while turn\.enabled is true/],
    },
    {
        what: "TURN without its address",
        change: { "jitsi:turn": { host: "turn.example.org" } },
        expect: [/jitsi:turn\.publicIp = \(missing\): is required while turn\.enabled is true: reserve a static address/],
    },
    {
        what: "TURN on a private address",
        change: { "jitsi:turn": { host: "turn.example.org", publicIp: "192.168.0.10" } },
        expect: [/jitsi:turn\.publicIp = "192\.168\.0\.10": must be a public address/],
    },
    {
        what: "TURN on the meeting host's name",
        change: { "jitsi:turn": { host: "meet.example.org", publicIp: "203.0.113.10" } },
        expect: [/jitsi:turn\.host = "meet\.example\.org": must differ from every entry of hosts/],
    },
    {
        what: "a TURNS port that is neither 443 nor 5349",
        change: { "jitsi:turn": { host: "turn.example.org", publicIp: "203.0.113.10", tlsPort: 8443 } },
        expect: [/jitsi:turn\.tlsPort = 8443: must be 443 or 5349/],
    },
    {
        what: "a TURN relay range overlapping the bridges' ports",
        change: { "jitsi:turn": { host: "turn.example.org", publicIp: "203.0.113.10", relayPorts: { min: 30390, max: 30420 } } },
        // shard-0 has 30300-30305, shard-1 30400-30405: only shard-1's block is hit.
        expect: [/^Invalid stack configuration \(1 problem\):\n {2}- jitsi:turn\.relayPorts = \{"min":30390,"max":30420\}: must not overlap shard-1's JVB UDP ports 30400-30405$/],
    },
    {
        what: "a TURN relay range containing TURN's own port",
        change: { "jitsi:turn": { host: "turn.example.org", publicIp: "203.0.113.10", relayPorts: { min: 3470, max: 3480 } } },
        expect: [/jitsi:turn\.relayPorts = .*: must not include TURN's turn port 3478/],
    },
    {
        what: "a TURN relay range too wide for one load balancer",
        change: { "jitsi:turn": { host: "turn.example.org", publicIp: "203.0.113.10", relayPorts: { min: 49152, max: 65535 } } },
        expect: [/jitsi:turn\.relayPorts\.max = 65535: gives 16384 relay ports; at most 45 fit one LoadBalancer Service/],
    },
    {
        what: "a TURN relay range upside down",
        change: { "jitsi:turn": { host: "turn.example.org", publicIp: "203.0.113.10", relayPorts: { min: 50000, max: 49000 } } },
        expect: [/jitsi:turn\.relayPorts\.min = 50000: must not exceed relayPorts\.max \(49000\)/],
    },
    {
        what: "TURN without cert-manager",
        change: { "jitsi:ops": { certManager: { enabled: false } } },
        expect: [/jitsi:turn\.enabled = true: needs ops\.certManager\.enabled \(TURNS needs a certificate for turn\.host\), or use turn\.external/],
    },
    {
        what: "TURN without ingress-nginx and no ACME target",
        change: { "jitsi:ops": { ingressNginx: { enabled: false } } },
        expect: [/jitsi:turn\.acmeHttpTarget = \(missing\): is required while ops\.ingressNginx\.enabled is false/],
    },
    {
        what: "a cluster range that is no CIDR",
        change: { "jitsi:turn": { host: "turn.example.org", publicIp: "203.0.113.10", deniedPeerCidrs: ["10.244.0.0"] } },
        expect: [/jitsi:turn\.deniedPeerCidrs\[0\] = "10\.244\.0\.0": must be a CIDR range/],
    },
    {
        what: "an external TURN server without its shared secret",
        change: { "jitsi:turn": { external: { host: "turn.provider.example" } } },
        expect: [/jitsi:turnSharedSecret = \(missing\): is required with turn\.external/],
    },
    {
        what: "an external TURN server by IPv6 address",
        change: { "jitsi:turn": { external: { host: "2001:db8::7" } } },
        expect: [/jitsi:turn\.external\.host = "2001:db8::7": is an IPv6 address; give a DNS name or an IPv4 address/],
    },
    {
        what: "an external TURN server by address with TURNS",
        change: { "jitsi:turn": { external: { host: "203.0.113.7", tlsPort: 5349 } } },
        expect: [/jitsi:turn\.external\.host = "203\.0\.113\.7": is an IP address, and tlsPort is set: TURNS needs the DNS name its certificate names/],
    },
    {
        what: "the TURN shared secret in plain text",
        change: { "jitsi:turnSharedSecret": "plain-text-turn-secret" },
        expect: [/jitsi:turnSharedSecret is stored in plain text/],
    },
    {
        what: "a web override of a setting that has its own key",
        change: { "jitsi:web": { configOverrides: { channelLastN: 5 } } },
        expect: [/jitsi:web\.configOverrides\.channelLastN = 5: has a setting of its own: use web\.channelLastN/],
    },
    {
        what: "a default language that is no language code",
        change: { "jitsi:web": { defaultLanguage: "German" } },
        expect: [/jitsi:web\.defaultLanguage = "German": must be a language code such as de or pt-BR/],
    },
    {
        what: "channelLastN below -1",
        change: { "jitsi:web": { channelLastN: -5 } },
        expect: [/jitsi:web\.channelLastN = -5: /],
    },
    {
        what: "P2P STUN servers without a port",
        change: { "jitsi:web": { p2p: { stunServers: ["stun.example.org"] } } },
        expect: [/jitsi:web\.p2p\.stunServers\[0\] = "stun\.example\.org": must be host:port/],
    },
    {
        what: "a setting in the project's former namespace (pulumi config set without a namespace, before the rename)",
        change: { "jitsi-pulumi:shards": 3 },
        expect: [/jitsi-pulumi:shards is in the jitsi-pulumi namespace, which this program does not read: its settings live in the jitsi namespace \(jitsi:shards\)/],
    },
    {
        what: "an unknown setting in the jitsi namespace",
        change: { "jitsi:imageTagg": "stable-1234" },
        expect: [/jitsi:imageTagg = "stable-1234": unknown setting; allowed here: .*imageTag/],
    },
    {
        what: "jwt authentication without an application id",
        change: { "jitsi:auth": { type: "jwt" }, "jitsi:jwtAppSecret": "a-long-enough-jwt-secret" },
        secretKeys: ["jitsi:jwtAppSecret"],
        expect: [/jitsi:auth\.jwt\.appId = \(missing\): is required while auth\.type is "jwt"/],
    },
    {
        what: "jwt authentication without its secret",
        change: { "jitsi:auth": { type: "jwt", jwt: { appId: "portal" } } },
        expect: [/jitsi:jwtAppSecret = \(missing\): is required while auth\.type is "jwt".*pulumi config set --secret jitsi:jwtAppSecret/],
    },
    {
        what: "the JWT secret in plain text",
        change: { "jitsi:auth": { type: "jwt", jwt: { appId: "portal" } }, "jitsi:jwtAppSecret": "plain-text-jwt-secret" },
        expect: [/jitsi:jwtAppSecret is stored in plain text; store it encrypted with 'pulumi config set --secret jitsi:jwtAppSecret <value>'/],
    },
    {
        what: "a JWT secret too short to be a key",
        change: { "jitsi:auth": { type: "jwt", jwt: { appId: "portal" } }, "jitsi:jwtAppSecret": "false" },
        secretKeys: ["jitsi:jwtAppSecret"],
        expect: [/jitsi:jwtAppSecret = \(secret, 5 characters\): must be at least 16 characters/],
    },
    {
        what: "jwt settings while authentication is internal",
        change: { "jitsi:auth": { type: "internal", users: ["alice"], jwt: { appId: "portal" } }, "jitsi:internalUserPasswords": { alice: "pw" } },
        secretKeys: ["jitsi:internalUserPasswords"],
        expect: [/jitsi:auth\.jwt = \{"appId":"portal".*\}: is read only while auth\.type is "jwt" \(it is "internal"\)/],
    },
    {
        what: "an unknown authentication type",
        change: { "jitsi:auth": { type: "ldap" } },
        expect: [/jitsi:auth\.type = "ldap": .*"anonymous".*"internal".*"jwt"/],
    },
    {
        what: "internal authentication without any account",
        change: { "jitsi:auth": { type: "internal" } },
        expect: [/jitsi:auth\.users = \[\]: must name at least one account while auth\.type is "internal"/],
    },
    {
        what: "accounts while authentication is anonymous",
        change: { "jitsi:auth": { users: ["alice"] } },
        expect: [/jitsi:auth\.users = \["alice"\]: are read only while auth\.type is "internal" \(it is "anonymous"\)/],
    },
    {
        what: "guests without authentication",
        change: { "jitsi:auth": { guests: true } },
        expect: [/jitsi:auth\.guests = true: needs auth\.type "internal" or "jwt"/],
    },
    {
        what: "a user name prosody would change",
        change: { "jitsi:auth": { type: "internal", users: ["Alice Smith"] }, "jitsi:internalUserPasswords": { "Alice Smith": "pw" } },
        secretKeys: ["jitsi:internalUserPasswords"],
        expect: [/jitsi:auth\.users\[0\] = "Alice Smith": must be a user name of lower-case letters/],
    },
    {
        what: "an account listed twice",
        change: { "jitsi:auth": { type: "internal", users: ["alice", "alice"] }, "jitsi:internalUserPasswords": { alice: "pw" } },
        secretKeys: ["jitsi:internalUserPasswords"],
        expect: [/jitsi:auth\.users\[1\] = "alice": is listed twice/],
    },
    {
        what: "an account without a password",
        change: { "jitsi:auth": { type: "internal", users: ["alice", "bob"] }, "jitsi:internalUserPasswords": { alice: "secret-of-alice" } },
        secretKeys: ["jitsi:internalUserPasswords"],
        expect: [/jitsi:internalUserPasswords\.bob = \(missing\): auth\.users lists bob; set a password with pulumi config set --secret --path 'jitsi:internalUserPasswords\["<name>"\]' <password>$/m],
    },
    {
        what: "accounts without any password",
        change: { "jitsi:auth": { type: "internal", users: ["alice"] } },
        expect: [/jitsi:internalUserPasswords = \(missing\): needs a password for each of auth\.users \(alice\)/],
    },
    {
        what: "a password for an account that is not listed",
        change: { "jitsi:auth": { type: "internal", users: ["alice"] }, "jitsi:internalUserPasswords": { alice: "secret-of-alice", alcie: "secret-of-typo" } },
        secretKeys: ["jitsi:internalUserPasswords"],
        expect: [/jitsi:internalUserPasswords\.alcie = \(secret\): alcie is not in auth\.users \(alice\)/],
    },
    {
        what: "account passwords in plain text",
        change: { "jitsi:auth": { type: "internal", users: ["alice"] }, "jitsi:internalUserPasswords": { alice: "secret-of-alice" } },
        expect: [/jitsi:internalUserPasswords is stored in plain text/],
    },
    {
        what: "a Jibri pool whose minimum exceeds its maximum",
        change: { "jitsi:jibri": { enabled: true, replicas: { min: 3, max: 2 } } },
        expect: [/jitsi:jibri\.replicas\.min = 3: must be at most jibri\.replicas\.max/],
    },
    {
        what: "an autoscaled Jibri pool without monitoring",
        change: { "jitsi:jibri": { enabled: true, replicas: { min: 1, max: 3 } }, "jitsi:monitoring": { enabled: false } },
        expect: [/jitsi:jibri\.replicas\.max = 3: must equal jibri\.replicas\.min \(1\) while monitoring\.enabled is false/],
    },
    {
        what: "a Jibri memory limit below the 2Gi its /dev/shm needs",
        change: { "jitsi:jibri": { enabled: true }, "jitsi:resources": { jibri: { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "4", memory: "1536Mi" } } } },
        expect: [/jitsi:resources\.jibri\.limits\.memory = "1536Mi": must be at least 2Gi while jibri\.enabled is true: the memory-backed \/dev\/shm is capped by the pod's memory limit/],
    },
    {
        // shm-check compares with 2ULL << 30 bytes: 2000Mi (2097152000) and 2G (2e9) fall short of it.
        what: "a Jibri memory limit of 2G, decimal gigabytes short of 2 GiB",
        change: { "jitsi:jibri": { enabled: true }, "jitsi:resources": { jibri: { requests: { cpu: "2", memory: "1Gi" }, limits: { cpu: "4", memory: "2G" } } } },
        expect: [/jitsi:resources\.jibri\.limits\.memory = "2G": must be at least 2Gi/],
    },
    {
        what: "a busy share of Jibris above 1",
        change: { "jitsi:jibri": { enabled: true, targetBusyFraction: 1.5 } },
        expect: [/jitsi:jibri\.targetBusyFraction = 1\.5: /],
    },
    {
        what: "a node selector value that is no string",
        change: { "jitsi:jibri": { enabled: true, nodeSelector: { "jitsi.example.org/recording": true } } },
        expect: [/jitsi:jibri\.nodeSelector\.jitsi\.example\.org\/recording = true: /],
    },
    {
        what: "a recordings volume size that is no quantity",
        change: { "jitsi:jibri": { enabled: true, storage: "lots" } },
        expect: [/jitsi:jibri\.storage = "lots": /],
    },
    {
        what: "an unknown Etherpad setting",
        change: { "jitsi:etherpad": { enabled: true, replicas: 2 } },
        expect: [/jitsi:etherpad\.replicas = 2: unknown setting; allowed here: enabled, image, storage, storageClass/],
    },
    {
        what: "two shards on one number",
        change: { "jitsi:shards": [{ name: "shard-0" }, { name: "north", index: 3 }, { name: "south", index: 3 }] },
        expect: [/jitsi:shards\[2\]\.index = 3: south has the number of north \(shards\[1\]\.index 3\): two shards would share UDP ports and a router id; give south an unused index, such as 4/],
    },
    {
        what: "a shard whose number from its position is another's from its name",
        change: { "jitsi:shards": [{ name: "shard-0" }, { name: "extra" }, { name: "shard-1" }] },
        expect: [/jitsi:shards\[2\]\.index = 1: shard-1 \(unset, so from its name\) has the number of extra \(shards\[1\]\.index 1 \(unset, so its position\)\)/],
    },
    {
        what: "every shard drained, so no room could start",
        change: { "jitsi:shards": [{ name: "shard-0", drain: true }, { name: "shard-1", drain: true }] },
        expect: [/jitsi:shards = .*: every shard has drain: true; at least one must take new rooms/],
    },
    {
        what: "a shard number beyond what the ports allow",
        change: { "jitsi:shards": [{ name: "shard-0" }, { name: "far", index: 40 }] },
        expect: [/jitsi:shards = .*: need JVB UDP ports up to 34305, beyond the NodePort range 30000-32767/],
    },
    {
        what: "a negative shard number",
        change: { "jitsi:shards": [{ name: "shard-0", index: -1 }] },
        expect: [/jitsi:shards\[0\]\.index = -1: /],
    },
    {
        what: "a shard's tag 'latest'",
        change: { "jitsi:shards": [{ name: "shard-0", imageTag: "latest" }] },
        expect: [/jitsi:shards\[0\]\.imageTag = "latest": must pin a version/],
    },
    {
        what: "visitors without relay, which jicofo needs to join visitors' bridges to the participants'",
        change: { "jitsi:visitors": { enabled: true }, "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, relay: { enabled: false } } },
        expect: [/jitsi:visitors\.enabled = true: needs jvb\.relay\.enabled: with visitors, jicofo puts visitors and participants on bridges of their own/],
    },
    {
        what: "no visitor node per shard",
        change: { "jitsi:visitors": { enabled: true, nodesPerShard: 0 } },
        expect: [/jitsi:visitors\.nodesPerShard = 0: must be at least 1/],
    },
    {
        what: "more visitor nodes per shard than allowed",
        change: { "jitsi:visitors": { enabled: true, nodesPerShard: 11 } },
        expect: [/jitsi:visitors\.nodesPerShard = 11: must be at most 10: each node is a prosody of its own/],
    },
    {
        what: "a main room of one",
        change: { "jitsi:visitors": { enabled: true, maxParticipants: 1 } },
        expect: [/jitsi:visitors\.maxParticipants = 1: must be at least 2/],
    },
    {
        what: "no visitors per node",
        change: { "jitsi:visitors": { enabled: true, maxVisitorsPerNode: 0 } },
        expect: [/jitsi:visitors\.maxVisitorsPerNode = 0: must be at least 1/],
    },
    {
        what: "visitors with internal accounts, whose visitor nodes would admit anyone without logging in",
        change: {
            "jitsi:visitors": { enabled: true },
            "jitsi:auth": { type: "internal", users: ["alice"] },
            "jitsi:internalUserPasswords": { alice: "alice-password-value" },
        },
        secretKeys: ["jitsi:internalUserPasswords"],
        expect: [
            /jitsi:visitors\.allowAnonymous = false: must be true to run visitors with auth\.type internal: the image's visitor nodes admit anyone without logging in/,
            /whoever knows the name of a meeting with visitors joins its audience/,
        ],
    },
    {
        what: "visitors with JWT, whose visitor nodes check no token",
        change: {
            "jitsi:visitors": { enabled: true, allowAnonymous: false },
            "jitsi:auth": { type: "jwt", jwt: { appId: "school-portal" } },
            "jitsi:jwtAppSecret": "jwt-app-secret-value-0123456789",
        },
        secretKeys: ["jitsi:jwtAppSecret"],
        expect: [/jitsi:visitors\.allowAnonymous = false: must be true to run visitors with auth\.type jwt/],
    },
    {
        what: "a misspelt time zone, which libc would silently read as UTC",
        change: { "jitsi:timezone": "Europe/Berln" },
        expect: [/jitsi:timezone = "Europe\/Berln": must be an IANA time zone such as Europe\/Berlin or UTC \(did you mean Europe\/Berlin\?\)/],
    },
    {
        what: "a time zone in the wrong case (zoneinfo file names are case-sensitive)",
        change: { "jitsi:timezone": "europe/berlin" },
        expect: [/jitsi:timezone = "europe\/berlin": must be an IANA time zone .*did you mean Europe\/Berlin/],
    },
    {
        what: "an inverted NodePort range, as one problem",
        change: { "jitsi:nodePortRange": { min: 32000, max: 31000 } },
        expect: [/\(1 problem\)/, /jitsi:nodePortRange\.min = 32000: must not exceed nodePortRange\.max \(31000\)/],
    },
    {
        what: "more participants of one meeting on a bridge than one bridge carries",
        change: { "jitsi:jvb": { minReplicas: 2, maxReplicas: 6, relay: { maxParticipantsPerBridge: 5000 } } },
        expect: [/jitsi:jvb\.relay\.maxParticipantsPerBridge = 5000: must be between 2 and \d+, what one bridge with resources\.jvb\.limits\.cpu 8 carries/],
    },
    {
        what: "several problems at once",
        change: { "jitsi:shards": 0, "jitsi:jvb": { minReplicas: 3, maxReplicas: 2 } },
        expect: [/2 problems/, /jitsi:shards = 0/, /jitsi:jvb\.minReplicas = 3/],
    },
];

describe("bad stack config", function () {
    this.timeout(30_000);

    for (const bad of table) {
        it(`refuses ${bad.what} before declaring any resource`, async () => {
            const run = await runProgram(withConfig(production, bad.change, bad.secretKeys));
            assert.ok(run.error, "the program accepted the config");
            assert.strictEqual(run.error.name, "ConfigError");
            for (const line of bad.expect) assert.match(run.error.message, line);
            assert.deepStrictEqual(run.resources.map((r) => r.type), [], "resources were declared");
        });
    }

    it("does not print a plain-text credential it refuses", async () => {
        const run = await runProgram(withConfig(production, { "jitsi:jvbAuthPassword": "hunter2hunter2" }));
        assert.ok(run.error);
        assert.ok(!run.error.message.includes("hunter2hunter2"));
    });

    it("refuses exactly the router images of HAProxy 3.2.0 to 3.2.8, which keep a router's change of a room from its peers", async () => {
        const refused = ["haproxy:3.2.0", "haproxy:3.2.8", "haproxy:3.2.5-alpine", "docker.io/library/haproxy:3.2.1-trixie", `haproxy:3.2.3@sha256:${"a".repeat(64)}`];
        const accepted = [DEFAULT_ROUTER_IMAGE, "haproxy:3.2.9", "haproxy:3.2.10", "haproxy:3.2.80", "haproxy:3.2", "haproxy:3.3.0", "haproxy:2.6.12", "registry.example.org/haproxy:3.2.0"];
        assert.deepStrictEqual(refused.filter((i) => !ROUTER_IMAGE_WITHOUT_PEER_UPDATES.test(i)), []);
        assert.deepStrictEqual(accepted.filter((i) => ROUTER_IMAGE_WITHOUT_PEER_UPDATES.test(i)), []);
        await runProgramOk(withConfig(production, { "jitsi:router": { image: "haproxy:3.2.9" } }));
    });

    it("accepts two shards far apart whose ports leave the TURN relay ports between them free", async () => {
        // Shard 0 has 30300-30305 and shard 200 50300-50305; TURN relays on 49160-49199, between them.
        const run = await runProgramOk(
            withConfig(production, { "jitsi:shards": [{ name: "north", index: 0 }, { name: "south", index: 200 }], "jitsi:nodePortRange": { min: 30000, max: 60000 } }),
        );
        assert.deepStrictEqual(run.outputs.turn.relayUdpPorts, { first: 49160, last: 49199 });
        assert.deepStrictEqual(run.outputs.jvbUdpPorts.south.slice(0, 1), [50300]);
    });

    // A quoted top-level scalar reaches the program as written; an unquoted 1.10 as "1.1" (pulumi's config
    // object.go: YAML typed it a float), which only the stack file still shows: that one is told to quote it.
    const withImageTag = (written: string) =>
        fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8").replace(/^config:\n/m, `config:\n  jitsi:imageTag: ${written}\n`);
    for (const written of ['"1.10"', "'1.10'"]) {
        it(`keeps a quoted top-level text setting as written: jitsi:imageTag: ${written}`, async () => {
            const run = await runProgramOk(parseStackFile(withImageTag(written)));
            const prosody = run.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "shard-0-prosody");
            assert.match(prosody!.inputs.spec.template.spec.containers[0].image, /:1\.10$/);
        });
    }

    it("tells to quote an unquoted top-level number given for text (jitsi:imageTag: 1.10), read from the stack file", async () => {
        const stack = "quote-check";
        const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, withImageTag("1.10"));
        try {
            const run = await runProgram(parseStackFile(fs.readFileSync(file, "utf8")), stack);
            assert.strictEqual(run.error?.name, "ConfigError");
            assert.match(
                run.error!.message,
                /^ {2}- jitsi:imageTag = 1\.1: must be text, but YAML read the unquoted value as a number \(so 1\.10 arrives as 1\.1\); quote it in the stack file: jitsi:imageTag: "<the value as you meant it>"$/m,
            );
            assert.deepStrictEqual(run.resources, []);
        } finally {
            fs.rmSync(file);
        }
    });

    it("accepts both stack files as they are", async () => {
        for (const stack of ["development", "production"]) {
            const run = await runProgram(readStackFile(stack));
            assert.strictEqual(run.error, undefined, stack);
            assert.ok(run.resources.length > 0);
        }
    });
});

describe("placeholders in the stack files", function () {
    this.timeout(30_000);

    it("are refused by `pulumi up`, naming each key and the command that sets it, before any resource", async () => {
        const run = await runProgram(production, "production", { preview: false });
        assert.strictEqual(run.error?.name, "ConfigError");
        const message = run.error!.message;
        for (const line of [
            /jitsi:hosts\[0\] = "meet\.example\.org": a placeholder, example\.org is reserved for examples \(RFC 2606, RFC 6761\); set your own with: pulumi config set --path 'jitsi:hosts\[0\]' <value>/,
            /jitsi:turn\.host = "turn\.example\.org": a placeholder/,
            /jitsi:turn\.publicIp = "203\.0\.113\.10": a placeholder, an address reserved for documentation \(RFC 5737, RFC 3849\); set your own with: pulumi config set --path 'jitsi:turn\.publicIp' <value>/,
            /jitsi:tls\.acmeEmail = "hostmaster@example\.org": a placeholder/,
        ]) {
            assert.match(message, line);
        }
        assert.match(message, /\(4 problems\)/);
        assert.deepStrictEqual(run.resources, []);
    });

    it("refuse documentation addresses of IPv6 and other reserved names too", async () => {
        const run = await runProgram(
            withConfig(production, {
                "jitsi:hosts": ["meet.school.de", "video.school.test"],
                "jitsi:jvb": { advertise: "publicIps", publicIps: ["2001:db8::7"] },
                "jitsi:turn": { host: "turn.school.de", publicIp: "198.51.100.1" },
                "jitsi:tls": { issuer: "letsencrypt-production", acmeEmail: "ops@school.de" },
            }),
            "production",
            { preview: false },
        );
        assert.match(String(run.error?.message), /jitsi:hosts\[1\] = "video\.school\.test": a placeholder, test is reserved/);
        assert.match(String(run.error?.message), /jitsi:jvb\.publicIps\[0\] = "2001:db8::7": a placeholder/);
        assert.match(String(run.error?.message), /jitsi:turn\.publicIp = "198\.51\.100\.1": a placeholder/);
        assert.match(String(run.error?.message), /\(3 problems\)/);
    });

    it("let a deployment with real names and addresses through, and previews of the committed files", async () => {
        const real = withConfig(production, {
            "jitsi:hosts": ["meet.school.de"],
            "jitsi:turn": { host: "turn.school.de", publicIp: "145.253.7.1" },
            "jitsi:tls": { issuer: "letsencrypt-production", acmeEmail: "ops@school.de" },
        });
        const up = await runProgramOk(real, "production", { preview: false });
        assert.deepStrictEqual(up.warnings, []);
        assert.ok(up.resources.length > 0);
        for (const stack of ["development", "production"]) {
            const preview = await runProgramOk(readStackFile(stack), stack, { preview: true });
            // ... which say what `pulumi up` will refuse.
            assert.strictEqual(preview.warnings.length, 1);
            assert.match(preview.warnings[0], /^pulumi up will refuse these placeholder settings:\n {2}- jitsi:hosts\[0\] = "meet(-dev)?\.example\.org"/);
        }
    });
});

describe("the config namespace", function () {
    this.timeout(30_000);

    it("is the project's name, so `pulumi config set imageTag ...` (no namespace) reaches the program", async () => {
        // What `pulumi config set imageTag stable-99999` writes: the key in the project's namespace.
        const project = PROJECT;
        assert.strictEqual(project, "jitsi");
        const run = await runProgramOk(withConfig(readStackFile("production"), { [`${project}:imageTag`]: "stable-99999" }));
        const jvb = run.resources.find((r) => r.inputs?.kind === "StatefulSet" && r.inputs.metadata.name === "shard-0-jvb")!;
        assert.strictEqual(jvb.inputs.spec.template.spec.containers[0].image, "ghcr.io/jitsi/jvb:stable-99999");
    });
});
