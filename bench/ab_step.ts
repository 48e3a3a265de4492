/**
 * One benchmark workload's training step in the tree at `ROOT` (this
 * checkout, or an older one checked out by `deno task bench:compare`), on
 * wasm with one native-BLAS thread, with the process CPU time beside the
 * wall time: `deno run -A --config ROOT/deno.json bench/ab_step.ts ROOT a`.
 * Run it alternately on two trees to compare one row at a time; a single
 * row in a fresh process is steadier on a shared machine than a whole
 * `deno task bench` run. Prints one JSON line.
 *
 * @module
 */
import process from "node:process";
import { join, resolve } from "node:path";

const root = resolve(Deno.args[0] ?? ".");
const key = Deno.args[1] ?? "a";
const steps = Number(Deno.args[2] ?? 60);
const exists = async (p: string) => await Deno.stat(p).then(() => true, () => false);
// The backend start-up moved in the library/applications split (lib/backend.ts → lib/kernels/mod.ts).
const backendModule = (await exists(join(root, "lib/kernels/mod.ts")))
  ? "lib/kernels/mod.ts"
  : "lib/backend.ts";
const { initBackend } = await import(`file://${join(root, backendModule)}`);
await initBackend("wasm");
const { selectWorkloads } = await import(`file://${join(root, "bench/workloads.ts")}`);
const { measureWorkload } = await import(`file://${join(root, "bench/measure.ts")}`);
const [workload] = selectWorkloads(key);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const m = await measureWorkload(workload, { steps, warmup: 5 });
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  root,
  workload: key,
  msPerStep: Number(m.msPerStep.toFixed(2)),
  cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
  wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
}));
