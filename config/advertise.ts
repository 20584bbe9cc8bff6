import { AdvertiseMode } from "./defaults";

/** How a bridge learns the address it advertises; see `jvb.advertise`. */
export function advertiseMode(jvb: { advertise?: AdvertiseMode; publicIps: string[] }): AdvertiseMode {
    return jvb.advertise ?? (jvb.publicIps.length > 0 ? "publicIps" : "nodeExternalIP");
}
