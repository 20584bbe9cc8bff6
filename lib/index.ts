export * from "./capacity";
export * from "./haproxy";
export * from "./jitsi";
export * from "./labels";
export * from "./metrics";
export * from "./ports";
export * from "./quantity";
