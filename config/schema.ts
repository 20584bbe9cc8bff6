/**
 * The one description of every stack setting: its type, its default and what is allowed. Keys are read
 * from the `jitsi:` config namespace (`jitsi:hosts`, `jitsi:jvb`, ...); docs/configuration.md documents
 * each one. The settings are written by concern, one file each (core, media, access, extras,
 * gateways, operations); the rules that span them are in checks.ts; images and tags the defaults name, in
 * defaults.ts.
 */
import { z } from "zod";
import { accessSettings } from "./access";
import { checkAcrossSettings } from "./checks";
import { clusterSettings } from "./clusters";
import { coreSettings } from "./core";
import { extrasSettings } from "./extras";
import { gatewaySettings } from "./gateways";
import { mediaSettings } from "./media";
import { operationsSettings } from "./operations";
import { ShardSpec } from "./shards";

export * from "./defaults";
export { advertiseMode } from "./advertise";
export { normalizeShards, ShardSpec } from "./shards";
export { stackVoskImage } from "./gateways";

const settings = z.strictObject({ ...coreSettings, ...clusterSettings, ...mediaSettings, ...accessSettings, ...extrasSettings, ...gatewaySettings, ...operationsSettings });

export const configSchema = settings.superRefine(checkAcrossSettings);

export type StackConfigInput = z.input<typeof configSchema>;
/** What the schema gives before shards are made a list. */
export type ParsedSettings = z.output<typeof settings>;

/** The validated configuration, with shards always as a list. */
export type StackConfig = Omit<ParsedSettings, "shards"> & { shards: ShardSpec[] };
export type JvbSettings = StackConfig["jvb"];
export type TurnSettings = StackConfig["turn"];
export type WebSettings = StackConfig["web"];
export type AuthSettings = StackConfig["auth"];
export type MeetingSettings = StackConfig["meetings"];
export type JibriSettings = StackConfig["jibri"];
export type JigasiSettings = StackConfig["jigasi"];
export type TranscriptionSettings = StackConfig["transcription"];
export type ResourceSettings = StackConfig["resources"]["web"];
