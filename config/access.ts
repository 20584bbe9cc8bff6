/** Who may meet: authentication, guests, and what a meeting offers (lobby, breakout rooms). */
import { z } from "zod";
import { AUTH_TYPES } from "./defaults";
import { memory, storageClass, templateText, userName } from "./primitives";

export const accessSettings = {
    /**
     * Who may open a meeting. anonymous: anyone with the link. internal: accounts kept by prosody, named in
     * `users` (passwords: the secret setting internalUserPasswords). jwt: a token signed with jwtAppSecret.
     */
    auth: z
        .strictObject({
            type: z.enum(AUTH_TYPES).default("anonymous"),
            /** With internal or jwt: others may join a meeting once someone who logged in has opened it. */
            guests: z.boolean().default(false),
            /** internal: the accounts every shard's prosody keeps; each needs a password in internalUserPasswords. */
            users: z.array(userName).default([]),
            /** internal: prosody's data volume per shard, where the accounts live across restarts. */
            storage: memory.default("1Gi"),
            storageClass: storageClass.optional(),
            jwt: z
                .strictObject({
                    /** The application id tokens are issued for (prosody's app_id, a Lua string). */
                    appId: templateText("luaString"),
                    /**
                     * The `iss` values accepted, each an entry of a Lua list prosody's template splits on commas.
                     * Empty: prosody's token plugin accepts only appId; once set, no longer appId.
                     */
                    acceptedIssuers: z.array(templateText("luaList")).default([]),
                    /** The `aud` values accepted (a Lua list as above); empty: any. */
                    acceptedAudiences: z.array(templateText("luaList")).default([]),
                })
                .optional(),
        })
        .prefault({})
        .superRefine((auth, ctx) => {
            const refuse = (path: PropertyKey[], input: unknown, message: string) => ctx.addIssue({ code: "custom", path, input, message });
            if (auth.type === "jwt" && auth.jwt === undefined) {
                refuse(["jwt", "appId"], undefined, "is required while auth.type is \"jwt\": prosody checks each token's application id against it");
            }
            if (auth.type !== "jwt" && auth.jwt !== undefined) {
                refuse(["jwt"], auth.jwt, `is read only while auth.type is "jwt" (it is "${auth.type}")`);
            }
            if (auth.type === "internal" && auth.users.length === 0) {
                refuse(["users"], auth.users, 'must name at least one account while auth.type is "internal": nobody could open a meeting');
            }
            if (auth.type !== "internal" && auth.users.length > 0) {
                refuse(["users"], auth.users, `are read only while auth.type is "internal" (it is "${auth.type}")`);
            }
            if (auth.type === "anonymous" && auth.guests) {
                refuse(["guests"], true, 'needs auth.type "internal" or "jwt": without authentication everyone joins as a guest already');
            }
            const seen = new Set<string>();
            auth.users.forEach((name, i) => {
                if (seen.has(name)) refuse(["users", i], name, "is listed twice");
                seen.add(name);
            });
        }),
    /** Meeting features prosody and the web app switch on together. */
    meetings: z
        .strictObject({
            /** Moderators may make participants wait in a lobby until admitted. */
            lobby: z.boolean().default(true),
            breakoutRooms: z.boolean().default(true),
        })
        .prefault({}),
};
