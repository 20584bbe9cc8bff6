#!/usr/bin/env node
/**
 * node scripts/launch.js <script.ts> [args...]
 *
 * Starts an offline tool (render, bench) on the TypeScript sources, faster than ts-node, and never
 * stale:
 *  - each .ts file is transpiled once per content (the key is a hash of its text, the compiler's
 *    version and options), into node_modules/.cache/jitsi-pulumi/ts; TypeScript itself is loaded only
 *    when a file changed. Type checking stays in `npm test` (tsc --noEmit).
 *  - V8's code cache for every module: Node's own (module.enableCompileCache, Node 22 and later), else
 *    the v8-compile-cache package.
 *  - parts of the Pulumi SDK that only a real engine run uses (the Automation API, and the closure
 *    serializer's TypeScript and npm tree reader) are loaded on first use instead of at start: under
 *    the mock engine nothing uses them.
 *  - no promise leak tracking: the SDK keeps a stack trace string for every promise it creates, to
 *    name the ones a program forgot when it exits. Under the mock engine that is about half of the
 *    evaluation at every size (npm run bench: 183 ms for 2 shards and 2.65 s for 50 with it, 86 ms
 *    and 1.45 s without).
 * `pulumi up` does not go through here: Pulumi runs index.ts with its own TypeScript support.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "jitsi-pulumi");

function enableCodeCache() {
    if (typeof Module.enableCompileCache === "function") {
        Module.enableCompileCache(path.join(CACHE, "v8"));
        return;
    }
    process.env.V8_COMPILE_CACHE_CACHE_DIR = process.env.V8_COMPILE_CACHE_CACHE_DIR || path.join(CACHE, "v8");
    require("v8-compile-cache");
}

/** Modules of @pulumi/pulumi loaded at start but used only outside the mock engine, by the request that loads them. */
const DEFERRED = new Set(["./automation", "../../typescript-shim", "@npmcli/arborist"]);
const PULUMI_SDK = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

/**
 * Hands the SDK a stand-in that loads the real module the first time anything of it is used, so
 * behaviour is unchanged; `__esModule` lets TypeScript's import helpers take it as it is.
 */
function deferUnusedSdkModules() {
    const load = Module._load;
    Module._load = function (request, parent, isMain) {
        if (!DEFERRED.has(request) || !(parent && parent.filename && parent.filename.includes(PULUMI_SDK))) {
            return load.apply(this, arguments);
        }
        let real;
        const get = () => (real === undefined ? (real = load.call(this, request, parent, isMain)) : real);
        return new Proxy(
            {},
            {
                get: (_, key) => (key === "__esModule" ? true : get()[key]),
                has: (_, key) => key in get(),
                ownKeys: () => Reflect.ownKeys(get()),
                getOwnPropertyDescriptor: (_, key) => {
                    const d = Reflect.getOwnPropertyDescriptor(get(), key);
                    return d && { ...d, configurable: true };
                },
            },
        );
    };
}

/** The compiler options tsconfig.json gives, as transpileModule takes them. */
function compilerOptions(ts) {
    const file = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    const parsed = ts.convertCompilerOptionsFromJson(file.config.compilerOptions, ROOT);
    return { ...parsed.options, sourceMap: false, inlineSourceMap: true, inlineSources: false, noEmit: false };
}

function registerTypeScript() {
    const dir = path.join(CACHE, "ts");
    fs.mkdirSync(dir, { recursive: true });
    // What a transpiled file depends on besides its own text.
    const tsVersion = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")).version;
    const tsconfig = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
    let ts;
    let options;
    Module._extensions[".ts"] = function (module, filename) {
        const source = fs.readFileSync(filename, "utf8");
        const key = crypto.createHash("sha256").update(tsVersion).update("\0").update(tsconfig).update("\0").update(filename).update("\0").update(source).digest("hex");
        const cached = path.join(dir, `${key}.js`);
        let js;
        try {
            js = fs.readFileSync(cached, "utf8");
        } catch {
            ts = ts || require("typescript");
            options = options || compilerOptions(ts);
            js = ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
            // Written aside and renamed: a concurrent run never reads half a file.
            const partial = `${cached}.${process.pid}`;
            fs.writeFileSync(partial, js);
            fs.renameSync(partial, cached);
        }
        module._compile(js, filename);
    };
}

/** The SDK's leak tracker, replaced by the identity where the SDK still exports it by that name. */
function skipPromiseLeakTracking() {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable");
    if (typeof debuggable.debuggablePromise === "function") debuggable.debuggablePromise = (promise) => promise;
}

function main() {
    const [script, ...args] = process.argv.slice(2);
    if (!script) {
        console.error("usage: node scripts/launch.js <script.ts> [args...]");
        process.exit(2);
    }
    enableCodeCache();
    deferUnusedSdkModules();
    skipPromiseLeakTracking();
    registerTypeScript();
    const target = path.resolve(script);
    process.argv = [process.argv[0], target, ...args];
    // The script runs as the main module, so its `require.main === module` check holds.
    Module.runMain(target);
}

main();
