/** Queries over the Kubernetes objects a recorded run would send to the cluster. */
import { matches, PodTemplate, podTemplates as workloadTemplates } from "../policy/invariants";
import { Recorded, Run } from "./harness";

export { matches };

export type Obj = Record<string, any>;

/** Kubernetes objects declared directly (not Helm charts or components), keyed by kind. */
export function objects(run: Run, kind?: string): Obj[] {
    return run.resources
        .filter((r: Recorded) => r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string")
        .map((r) => r.inputs)
        .filter((o) => kind === undefined || o.kind === kind);
}

export function named(run: Run, kind: string, name: string): Obj {
    const found = objects(run, kind).filter((o) => o.metadata?.name === name);
    if (found.length !== 1) throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
    return found[0];
}

/** Pod templates of the workloads a run declares (the same reading the invariants use). */
export function podTemplates(run: Run): PodTemplate[] {
    return workloadTemplates(objects(run));
}

/** Every container of every workload; `init` marks init containers, which run to completion and take no probes. */
export function containers(run: Run): { workload: Obj; container: Obj; init: boolean }[] {
    return containersIn(objects(run));
}

/** The same, over Kubernetes objects already taken out of a run (the stack variants). */
export function containersIn(objs: Obj[]): { workload: Obj; container: Obj; init: boolean }[] {
    return workloadTemplates(objs).flatMap((t) => [
        ...(t.spec.initContainers ?? []).map((container: Obj) => ({ workload: t.workload, container, init: true })),
        ...t.spec.containers.map((container: Obj) => ({ workload: t.workload, container, init: false })),
    ]);
}

/** The long-running containers only. */
export function mainContainers(run: Run): { workload: Obj; container: Obj }[] {
    return containers(run).filter((c) => !c.init);
}

export function env(container: Obj, name: string): Obj | undefined {
    return (container.env ?? []).find((e: Obj) => e.name === name);
}

export function envValue(container: Obj, name: string): string | undefined {
    return env(container, name)?.value;
}

export function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
    return counts;
}
