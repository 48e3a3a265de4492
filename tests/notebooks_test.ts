/**
 * Executes every notebook in `notebooks/` (or in `$FLOW_MODELS_NOTEBOOKS_DIR`)
 * with Jupyter nbconvert on the Deno kernel, then checks the executed copy:
 * no cell produced an error, and at least one cell displayed an image
 * (`image/png` or `image/svg+xml`).
 *
 * Needs `/usr/bin/python3` (override: `$FLOW_MODELS_PYTHON`) with nbconvert
 * (Debian: jupyter-core python3-nbconvert python3-ipykernel) and the Deno
 * kernel registered (`deno jupyter --install`). When either is missing the
 * tests are ignored and a line saying why is printed.
 *
 * Run: deno test --allow-all tests/notebooks_test.ts
 * (`FLOW_MODELS_NOTEBOOK_FILTER=02_` executes only the notebooks whose file
 * name contains that text, e.g. `02_image_generation_anomaly.ipynb`).
 */
import assert from "node:assert/strict";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const NOTEBOOKS_DIR = Deno.env.get("FLOW_MODELS_NOTEBOOKS_DIR") ??
  fileURLToPath(new URL("../notebooks/", import.meta.url));
const PYTHON = Deno.env.get("FLOW_MODELS_PYTHON") ?? "/usr/bin/python3";
const CELL_TIMEOUT_S = 600;
const FILTER = Deno.env.get("FLOW_MODELS_NOTEBOOK_FILTER") ?? "";

/** Python snippet: prints "ok", or the reason the notebooks cannot run. */
const PROBE = `
try:
    import nbconvert, nbclient
except Exception:
    print("jupyter nbconvert not found"); raise SystemExit
try:
    from jupyter_client.kernelspec import KernelSpecManager
    KernelSpecManager().get_kernel_spec("deno")
except Exception:
    print("the Deno Jupyter kernel is not installed (run: deno jupyter --install)"); raise SystemExit
print("ok")
`;

async function skipReason(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(PYTHON, { args: ["-c", PROBE], stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (out.success && text === "ok") return undefined;
    return text || `${PYTHON} -c ... failed: ${new TextDecoder().decode(out.stderr).trim()}`;
  } catch (e) {
    return e instanceof Deno.errors.NotFound
      ? `jupyter nbconvert not found (${PYTHON} does not exist)`
      : `cannot run ${PYTHON}: ${e}`;
  }
}

function listNotebooks(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && e.name.endsWith(".ipynb") && e.name.includes(FILTER))
      .map((e) => join(dir, e.name))
      .sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Notebook {
  metadata?: { kernelspec?: { name?: string } };
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}

// deno-lint-ignore no-control-regex
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
const sourceOf = (src: string | string[]) => (Array.isArray(src) ? src.join("") : src);

/** Executes one notebook into `outDir`; returns the executed notebook and seconds taken. */
async function execute(path: string, outDir: string): Promise<{ nb: Notebook; seconds: number }> {
  const t0 = performance.now();
  const out = await new Deno.Command(PYTHON, {
    args: [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`,
      // Keep going after a failing cell so the error is read from the outputs below.
      "--ExecutePreprocessor.allow_errors=True",
      "--output-dir",
      outDir,
      path,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  if (!out.success) {
    const err = stripAnsi(new TextDecoder().decode(out.stderr)).split("\n").slice(-40).join("\n");
    throw new Error(`nbconvert failed on ${basename(path)} (exit ${out.code}):\n${err}`);
  }
  const executed = join(outDir, basename(path));
  return { nb: JSON.parse(await Deno.readTextFile(executed)) as Notebook, seconds };
}

const reason = await skipReason();
const notebooks = listNotebooks(NOTEBOOKS_DIR);

if (reason) {
  console.log(`notebook tests skipped: ${reason}`);
} else if (notebooks.length === 0) {
  console.log(`notebook tests: no notebooks found in ${resolve(NOTEBOOKS_DIR)}`);
}

if (notebooks.length === 0) {
  Deno.test({
    name: `notebooks: none found in ${resolve(NOTEBOOKS_DIR)} (nothing to execute)`,
    ignore: reason !== undefined,
    fn: () => {},
  });
}

for (const path of notebooks) {
  Deno.test({
    name: `notebook ${basename(path)} executes without errors and shows a plot`,
    ignore: reason !== undefined,
    async fn() {
      const raw = JSON.parse(await Deno.readTextFile(path)) as Notebook;
      assert.equal(
        raw.metadata?.kernelspec?.name,
        "deno",
        `${basename(path)} must use the "deno" kernel (metadata.kernelspec.name)`,
      );
      const outDir = await Deno.makeTempDir({ prefix: "flow_models_nb_" });
      try {
        const { nb, seconds } = await execute(path, outDir);
        console.log(`notebook ${basename(path)}: executed in ${seconds.toFixed(1)} s`);
        let images = 0;
        nb.cells.forEach((cell, i) => {
          for (const o of cell.outputs ?? []) {
            if (o.output_type === "error") {
              const tb = stripAnsi((o.traceback ?? []).join("\n"));
              assert.fail(
                `${basename(path)} cell ${i} raised ${o.ename}: ${stripAnsi(o.evalue ?? "")}\n` +
                  `--- cell source ---\n${sourceOf(cell.source)}\n--- traceback ---\n${tb}`,
              );
            }
            if (o.data && ("image/png" in o.data || "image/svg+xml" in o.data)) images++;
          }
        });
        assert.ok(images > 0, `${basename(path)} displayed no image/png or image/svg+xml output`);
      } finally {
        await Deno.remove(outDir, { recursive: true });
      }
    },
  });
}
