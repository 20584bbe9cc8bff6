/**
 * Who may meet and what a meeting offers, as the environment of each Jitsi image. Names and defaults are
 * those docker-jitsi-meet stable-11146-2 reads (test/upstream.test.ts names the file for each): prosody
 * decides who may log in, jicofo who may open a room, and web what the app shows. Values are spelled out
 * even where they equal an image default, so that a stack's behaviour is read from the stack, not the tag.
 */
import * as k8s from "@pulumi/kubernetes";
import { ETHERPAD_PORT, ETHERPAD_SERVICE, serviceUrl, WHITEBOARD_PORT, WHITEBOARD_SERVICE } from "./collaboration";
import { envFlag, secretEnv } from "./jitsi";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export interface AccessSettings {
    auth: {
        type: "anonymous" | "internal" | "jwt";
        guests: boolean;
        jwt?: { appId: string; acceptedIssuers: string[]; acceptedAudiences: string[] };
    };
    meetings: { lobby: boolean; breakoutRooms: boolean };
    /** A Jibri pool serves this stack. */
    recording: boolean;
}

export interface CollaborationServices {
    etherpad: boolean;
    whiteboard: boolean;
    namespace: string;
    clusterDomain: string;
}

function authEnv(auth: AccessSettings["auth"], withType: boolean): EnvVar[] {
    if (auth.type === "anonymous") return [{ name: "ENABLE_AUTH", value: "false" }];
    return [{ name: "ENABLE_AUTH", value: "true" }, ...(withType ? [{ name: "AUTH_TYPE", value: auth.type }] : [])];
}

export function prosodyAccessEnv(a: AccessSettings): EnvVar[] {
    const { auth } = a;
    return [
        ...authEnv(auth, true),
        ...(auth.type === "anonymous" ? [] : [{ name: "ENABLE_GUESTS", value: envFlag(auth.guests) }]),
        ...(auth.type === "jwt" && auth.jwt
            ? [
                  { name: "JWT_APP_ID", value: auth.jwt.appId },
                  ...(auth.jwt.acceptedIssuers.length > 0 ? [{ name: "JWT_ACCEPTED_ISSUERS", value: auth.jwt.acceptedIssuers.join(",") }] : []),
                  ...(auth.jwt.acceptedAudiences.length > 0 ? [{ name: "JWT_ACCEPTED_AUDIENCES", value: auth.jwt.acceptedAudiences.join(",") }] : []),
                  ...secretEnv("JWT_APP_SECRET"),
              ]
            : []),
        { name: "ENABLE_LOBBY", value: envFlag(a.meetings.lobby) },
        { name: "ENABLE_BREAKOUT_ROOMS", value: envFlag(a.meetings.breakoutRooms) },
        { name: "ENABLE_RECORDING", value: envFlag(a.recording) },
        // register-setup creates Jibri's two accounts when these are set (the recorder only with recording on).
        ...(a.recording ? secretEnv("JIBRI_XMPP_PASSWORD", "JIBRI_RECORDER_PASSWORD") : []),
    ];
}

/** Jicofo asks for a login before it creates a room, and trusts the recorder's hidden domain. */
export function jicofoAccessEnv(a: AccessSettings): EnvVar[] {
    return [...authEnv(a.auth, true), { name: "ENABLE_RECORDING", value: envFlag(a.recording) }];
}

/** The app offers login (and the guest domain), breakout rooms, recording, shared notes and the whiteboard. */
export function webAccessEnv(a: AccessSettings, c: CollaborationServices): EnvVar[] {
    const { auth } = a;
    return [
        ...authEnv(auth, false),
        ...(auth.type === "anonymous" ? [] : [{ name: "ENABLE_GUESTS", value: envFlag(auth.guests) }]),
        { name: "ENABLE_BREAKOUT_ROOMS", value: envFlag(a.meetings.breakoutRooms) },
        { name: "ENABLE_RECORDING", value: envFlag(a.recording) },
        // Web's nginx proxies /etherpad/ and /socket.io/ to these, and the app then uses them on PUBLIC_URL.
        ...(c.etherpad ? [{ name: "ETHERPAD_URL_BASE", value: serviceUrl(ETHERPAD_SERVICE, c.namespace, c.clusterDomain, ETHERPAD_PORT) }] : []),
        ...(c.whiteboard
            ? [{ name: "WHITEBOARD_COLLAB_SERVER_URL_BASE", value: serviceUrl(WHITEBOARD_SERVICE, c.namespace, c.clusterDomain, WHITEBOARD_PORT) }]
            : []),
    ];
}
