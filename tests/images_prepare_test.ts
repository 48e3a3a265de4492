import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { exportIdxLayout } from "../lib/images/idx_export.ts";
import { FolderImageSource } from "../lib/images/folder_source.ts";
import { decodeImage } from "../lib/images/decode.ts";
import { readIdx } from "../lib/images/idx.ts";
import { FASHION_MNIST_DIR } from "../lib/images/fashion_mnist.ts";
import { anomalyFlags } from "../lib/images/source.ts";
import { parsePrepareArgs } from "../scripts/prepare_fashion_mnist.ts";

const SHIPPED = "data/fashion_mnist";

async function tree(root: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory) await walk(path);
      else out.set(relative(root, path), await Deno.readFile(path));
    }
  };
  await walk(root);
  return out;
}

Deno.test("IDX export: seeded class-balanced layout whose PNGs hold the IDX pixels", async () => {
  const dir = await Deno.makeTempDir({ prefix: "images-prepare-" });
  try {
    const options = {
      normalClasses: [5, 8],
      trainCount: 12,
      valPerClass: 3,
      seed: 4,
      extraFiles: () => ({ "NOTE.txt": "x" }),
    };
    const summary = await exportIdxLayout({ ...options, out: join(dir, "a") });
    assert.deepEqual(summary.counts.train, { sandal: 6, bag: 6 });
    assert.equal(Object.keys(summary.counts.val).length, 10);
    assert.ok(Object.values(summary.counts.val).every((n) => n === 3));
    assert.equal(summary.files, 42);
    await exportIdxLayout({ ...options, out: join(dir, "b") });
    const a = await tree(join(dir, "a")), b = await tree(join(dir, "b"));
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [k, v] of a) assert.deepEqual(v, b.get(k), `same bytes for ${k}`);
    assert.equal(a.get("NOTE.txt")?.length, 1);

    const items = await new FolderImageSource(join(dir, "a")).list();
    assert.equal(anomalyFlags(items).filter((x) => x).length, 24);
    const images = await readIdx(join(FASHION_MNIST_DIR, "t10k-images-idx3-ubyte.gz"));
    const labels = await readIdx(join(FASHION_MNIST_DIR, "t10k-labels-idx1-ubyte.gz"));
    for (const it of items.filter((it) => it.split === "val")) {
      const index = Number(/t10k_(\d+)\.png$/.exec(it.id)![1]);
      assert.equal(
        it.label,
        [
          "tshirt_top",
          "trouser",
          "pullover",
          "dress",
          "coat",
          "sandal",
          "shirt",
          "sneaker",
          "bag",
          "ankle_boot",
        ][labels.data[index]],
      );
      const png = await Deno.readFile(it.id);
      const px = await decodeImage({ kind: "encoded", bytes: png }, [28, 28, 1]);
      assert.deepEqual(px, images.data.subarray(index * 784, (index + 1) * 784));
    }
    await assert.rejects(
      () => exportIdxLayout({ ...options, normalClasses: [10], out: join(dir, "c") }),
      /normalClasses must be label indices 0..9, got \[10\]/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the shipped data/fashion_mnist is what the prepare script makes, and small", async () => {
  const dir = await Deno.makeTempDir({ prefix: "images-prepare-" });
  try {
    const out = join(dir, "fm");
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "scripts/prepare_fashion_mnist.ts", "--out", out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    const made = await tree(out), shipped = await tree(SHIPPED);
    assert.deepEqual([...shipped.keys()].sort(), [...made.keys()].sort());
    let bytes = 0;
    for (const [k, v] of shipped) {
      assert.deepEqual(v, made.get(k), `${SHIPPED}/${k} differs from a fresh run`);
      bytes += v.length;
    }
    assert.ok(bytes < 5e6, `${bytes} bytes`);
    const items = await new FolderImageSource(SHIPPED).list();
    assert.equal(items.filter((it) => it.split === "train").length, 3000);
    assert.equal(anomalyFlags(items).filter((x) => !x).length, 150);
    assert.equal(anomalyFlags(items).filter((x) => x).length, 1350);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prepare script: flags are checked", () => {
  assert.deepEqual(parsePrepareArgs([]), {
    out: SHIPPED,
    normal: 7,
    train: 3000,
    valPerClass: 150,
    seed: 1,
    source: FASHION_MNIST_DIR,
  });
  assert.equal(parsePrepareArgs(["--help"]), null);
  assert.equal(parsePrepareArgs(["--normal", "bag"])?.normal, 8);
  assert.equal(parsePrepareArgs(["--full", "--out", "output/x"])?.train, "all");
  assert.throws(() => parsePrepareArgs(["--full"]), /--full writes all 70 000 images/);
  assert.throws(() => parsePrepareArgs(["--train", "0"]), /--train must be a positive integer/);
  assert.throws(() => parsePrepareArgs(["--normal", "hat"]), /unknown class "hat"/);
  assert.throws(() => parsePrepareArgs(["--colour"]), /colour/);
});
