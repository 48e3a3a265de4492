/**
 * Serves the checkout on 127.0.0.1 and imports mod.ts by http URL from a
 * script in another folder, which trains a tiny flow a few steps.
 */
import assert from "node:assert/strict";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const TYPES: Record<string, string> = {
  ".ts": "application/typescript",
  ".json": "application/json",
};

Deno.test("mod.ts imported by http URL trains a tiny flow", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url).pathname)));
    if (!path.startsWith(root) || path.includes("node_modules")) {
      return new Response("forbidden", { status: 403 });
    }
    try {
      return new Response(await Deno.readFile(path), {
        headers: { "content-type": TYPES[extname(path)] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const port = server.addr.port;
  const dir = await Deno.makeTempDir();
  try {
    const script = join(dir, "use_flow.ts");
    await Deno.writeTextFile(
      script,
      `import { ArrayDataSource, buildRealNvpFlow, silentProgress, tf, trainFlow } from "http://127.0.0.1:${port}/mod.ts";
const data = new ArrayDataSource(Float32Array.from({ length: 1024 }, (_, i) => Math.sin(i)), [2]);
const flow = buildRealNvpFlow({ dims: 2, flowSteps: 2, hiddenLayers: [16], seed: 1 });
const r = await trainFlow(flow, data, { epochs: 2, batchSize: 64, learningRate: 1e-3, seed: 1, progress: silentProgress });
const lp = flow.logProb(tf.tensor2d([[0.1, 0.2]])).dataSync()[0];
console.log(JSON.stringify({ backend: tf.getBackend(), steps: r.steps, finite: Number.isFinite(lp) }));
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-lock",
        `--allow-import=127.0.0.1:${port}`,
        "--allow-read",
        "--allow-env",
        script,
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `script failed:\n${stderr}`);
    const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
    assert.deepEqual(result, { backend: "wasm", steps: 16, finite: true });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
