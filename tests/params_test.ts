import assert from "node:assert/strict";
import { join } from "node:path";
import { TOY_DATASETS } from "../lib/data/toy.ts";
import { checkValue } from "../lib/params/check_value.ts";
import {
  CLI_FLAGS,
  HelpRequested,
  loadParams,
  type Params,
  ParamsError,
  paramsHelp,
  paramsMarkdownTable,
  schemaDefaults,
  schemaRows,
} from "../lib/params/mod.ts";

const dir = Deno.makeTempDirSync({ prefix: "params_test_" });

function writeParams(name: string, content: unknown): string {
  const path = join(dir, name);
  Deno.writeTextFileSync(
    path,
    typeof content === "string" ? content : JSON.stringify(content, null, 2),
  );
  return path;
}

/** The ParamsError thrown by `fn`, failing the test if none is. */
function paramsError(fn: () => unknown): ParamsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParamsError) return e;
    throw e;
  }
  assert.fail("Expected a ParamsError");
}

/** Loads app "t" from a fresh params file with the given content. */
function load(argv: string[], content: unknown, datasets?: readonly string[]): Params {
  writeParams("t.json", content);
  return loadParams("t", argv, { paramsDir: dir, datasets });
}

Deno.test("params: every schema default is valid", () => {
  for (const { group, name, spec } of schemaRows()) {
    assert.equal(checkValue(`${group}.${name}`, spec, spec.default), null, `${group}.${name}`);
  }
});

Deno.test("params: defaults load when the app has no params file", () => {
  const p = loadParams("no_such_app", [], { paramsDir: dir });
  const expected = schemaDefaults();
  expected.run.model_dir = join("output", "model");
  assert.deepEqual(p, expected);
  assert.equal(p.training.num_epochs, 40);
  assert.equal(p.training.tracking_tool, "jsonl");
  assert.equal(p.training.num_val, null);
});

Deno.test("params: params/app1.json loads with the app 1 defaults", () => {
  const p = loadParams("app1", [], { datasets: TOY_DATASETS });
  assert.equal(p.run.dataset, "gmm");
  assert.equal(p.run.output_dir, "output/app1");
  assert.equal(p.run.model_dir, join("output/app1", "model"));
  assert.equal(p.run.num_gen_sims, 2000);
  assert.equal(p.run.seed, 1);
  assert.equal(p.run.backend, "auto");
  assert.equal(p.model_arch.realnvp_flow_steps, 12);
  assert.deepEqual(p.model_arch.realnvp_hidden_layers, [256, 256]);
  assert.equal(p.model_arch.coupling, "spline");
  assert.equal(p.model_arch.realnvp_permutation, "random");
  assert.equal(p.training.batch_size, 128);
  assert.deepEqual(p.training.learning_rate, [1e-3, 1500, 0.5]);
  assert.equal(p.training.grad_norm_thresh, 25);
  assert.equal(p.training.log_scale_clip, 5);
  assert.equal(p.training.num_data_input, 20000);
  assert.equal(p.training.validation_fraction, 0.2);
  assert.equal(p.training.checkpoint_every_n_epochs, 5);
  const q = loadParams("app1", ["--quick"], { datasets: TOY_DATASETS });
  assert.equal(q.training.num_epochs, 3);
  assert.equal(q.training.num_data_input, 4000);
  assert.equal(q.model_arch.realnvp_flow_steps, 4);
  assert.deepEqual(q.model_arch.realnvp_hidden_layers, [64, 64]);
  assert.equal(q.training.batch_size, 128);
});

Deno.test("params: the file overrides defaults, --params picks another file", () => {
  const p = load([], {
    description: "test",
    run: { dataset: "moons", model_dir: "models/m" },
    training: { batch_size: 64, learning_rate: 0.01 },
    model_arch: { realnvp_hidden_layers: [32] },
  });
  assert.equal(p.run.dataset, "moons");
  assert.equal(p.run.model_dir, "models/m");
  assert.equal(p.training.batch_size, 64);
  assert.equal(p.training.learning_rate, 0.01);
  assert.deepEqual(p.model_arch.realnvp_hidden_layers, [32]);
  assert.equal(p.training.num_epochs, 40);
  const other = writeParams("other.json", { training: { num_epochs: 9 } });
  const q = loadParams("t", ["--params", other], { paramsDir: dir });
  assert.equal(q.training.num_epochs, 9);
  assert.equal(q.training.batch_size, 128);
});

Deno.test("params: command-line flags override the file", () => {
  const p = load(
    [
      "--epochs",
      "7",
      "--dataset",
      "mvn",
      "--out",
      "out/x",
      "--seed=5",
      "--backend",
      "cpu",
      "--no-train",
      "--resume",
      "--set",
      "training.learning_rate=[0.002,500,0.9]",
      "--set",
      "run.images_path=data/my images",
      "--set",
      "model_arch.image_shape=[32,32,3]",
      "--set",
      "training.num_val=100",
    ],
    { training: { num_epochs: 3 } },
    TOY_DATASETS,
  );
  assert.equal(p.training.num_epochs, 7);
  assert.equal(p.run.dataset, "mvn");
  assert.equal(p.run.output_dir, "out/x");
  assert.equal(p.run.model_dir, join("out/x", "model"));
  assert.equal(p.run.seed, 5);
  assert.equal(p.run.backend, "cpu");
  assert.equal(p.run.do_train, false);
  assert.equal(p.run.resume, true);
  assert.deepEqual(p.training.learning_rate, [0.002, 500, 0.9]);
  assert.equal(p.run.images_path, "data/my images");
  assert.deepEqual(p.model_arch.image_shape, [32, 32, 3]);
  assert.equal(p.training.num_val, 100);
  // An explicit model_dir is kept by --out; --set comes after the named flags.
  const q = load(["--out", "o", "--epochs", "2", "--set", "training.num_epochs=4"], {
    run: { model_dir: "m" },
  });
  assert.equal(q.run.model_dir, "m");
  assert.equal(q.training.num_epochs, 4);
  // A string field keeps a numeric-looking value as text.
  assert.equal(load(["--dataset", "123"], {}).run.dataset, "123");
});

Deno.test("params: --quick merges the quick section before the command line", () => {
  const file = {
    training: { num_epochs: 30, batch_size: 256 },
    quick: { training: { num_epochs: 2 }, run: { num_gen_sims: 50 } },
  };
  const plain = load([], file);
  assert.equal(plain.training.num_epochs, 30);
  assert.equal(plain.run.num_gen_sims, 1000);
  const quick = load(["--quick"], file);
  assert.equal(quick.training.num_epochs, 2);
  assert.equal(quick.training.batch_size, 256);
  assert.equal(quick.run.num_gen_sims, 50);
  assert.equal(load(["--quick", "--epochs", "5"], file).training.num_epochs, 5);
  const e = paramsError(() => load(["--quick"], { training: {} }));
  assert.match(e.message, /--quick needs a "quick" section in .*t\.json/);
  // The quick section is validated even without --quick.
  const bad = paramsError(() => load([], { quick: { training: { num_epochs: -1 } } }));
  assert.match(bad.message, /training\.num_epochs must be a positive integer, got -1/);
  assert.match(bad.message, /"quick" section/);
});

Deno.test("params: JSON errors name the file, line and column", () => {
  writeParams("t.json", '{\n  "run": {\n    "seed": 1,\n  }\n}');
  const e = paramsError(() => loadParams("t", [], { paramsDir: dir }));
  assert.match(e.message, /t\.json is not valid JSON at line 4, column 3/);
  writeParams("t.json", "");
  assert.match(
    paramsError(() => loadParams("t", [], { paramsDir: dir })).message,
    /t\.json is not valid JSON at the end of the file/,
  );
  assert.match(
    paramsError(() => load([], [1, 2])).message,
    /must hold a JSON object with groups run, training, model_arch, got \[1,2\]/,
  );
  assert.match(
    paramsError(() => loadParams("t", ["--params", join(dir, "missing.json")])).message,
    /missing\.json could not be read: it does not exist/,
  );
});

Deno.test("params: unknown groups and fields are named, with suggestions", () => {
  assert.match(
    paramsError(() => load([], { trainig: { num_epochs: 3 } })).message,
    /Unknown group "trainig" in .*t\.json; did you mean "training"\?/,
  );
  assert.match(
    paramsError(() => load([], { training: { num_epoch: 3 } })).message,
    /Unknown field training\.num_epoch in .*t\.json; did you mean "num_epochs"\?/,
  );
  assert.match(
    paramsError(() => load([], { run: { batch_size: 3 } })).message,
    /Unknown field run\.batch_size .*batch_size belongs to group training/,
  );
  assert.match(
    paramsError(() => load(["--set", "model_arch.hidden=[3]"], {})).message,
    /Unknown field model_arch\.hidden from --set model_arch\.hidden=\[3\]/,
  );
  assert.match(
    paramsError(() => load(["--set", "seed"], {})).message,
    /--set must be GROUP\.FIELD=VALUE, got "seed"/,
  );
});

Deno.test("params: wrong values name the field, the expected type and the given value", () => {
  const cases: [unknown, RegExp][] = [
    [{ training: { num_epochs: 0 } }, /training\.num_epochs must be a positive integer, got 0/],
    [{ training: { num_epochs: 2.5 } }, /training\.num_epochs must be a positive integer, got 2.5/],
    [
      { training: { batch_size: "64" } },
      /training\.batch_size must be a positive integer, got "64"/,
    ],
    [{ run: { do_train: "yes" } }, /run\.do_train must be true or false, got "yes"/],
    [{ run: { output_dir: 3 } }, /run\.output_dir must be a string, got 3/],
    [
      { run: { sampling_mode: "svd" } },
      /run\.sampling_mode must be one of "pca", "direct", got "svd"/,
    ],
    [
      { training: { validation_fraction: 0.7 } },
      /training\.validation_fraction must be a number in \[0, 0\.5\], got 0\.7/,
    ],
    [{ training: { log_scale_clip: 0 } }, /log_scale_clip must be a positive number, got 0/],
    [{ training: { learning_rate: [1e-3, 0, 0.5] } }, /learning_rate must be a positive number or/],
    [{ training: { learning_rate: -1 } }, /learning_rate must be a positive number or.*got -1/],
    [{ training: { num_val: 0 } }, /num_val must be a positive integer or null, got 0/],
    [
      { model_arch: { realnvp_hidden_layers: [] } },
      /realnvp_hidden_layers must be a non-empty array of positive integers, got \[\]/,
    ],
    [
      { model_arch: { image_shape: [28, 28] } },
      /image_shape must be an array of 3 positive integers, got \[28,28\]/,
    ],
    [{ model_arch: { spline_num_bins: 1 } }, /spline_num_bins must be an integer ≥ 2, got 1/],
    [{ model_arch: { activation: "gelu" } }, /"relu", "tanh", "elu", "leaky_relu", got "gelu"/],
    [{ run: { backend: "gpu" } }, /run\.backend must be one of "auto", "wasm", "cpu", "webgpu"/],
  ];
  for (const [content, re] of cases) assert.match(paramsError(() => load([], content)).message, re);
});

Deno.test("params: mlflow and tensorboard are rejected with an explanation", () => {
  for (const tool of ["mlflow", "tensorboard"]) {
    const e = paramsError(() => load([], { training: { tracking_tool: tool } }));
    assert.match(e.message, new RegExp(`${tool} is not available in this Deno toolkit`));
    assert.match(e.message, /JSON lines/);
  }
});

Deno.test("params: bad command-line flags and values", () => {
  assert.match(
    paramsError(() => load(["--epochs", "0"], {})).message,
    /training\.num_epochs must be a positive integer, got 0 \(from --epochs\)/,
  );
  assert.match(
    paramsError(() => load(["--epochs", "many"], {})).message,
    /got "many" \(from --epochs\)/,
  );
  assert.match(
    paramsError(() => load(["--epoch", "3"], {})).message,
    /Unknown command-line flag --epoch; did you mean --epochs\?/,
  );
  assert.match(paramsError(() => load(["--verbose"], {})).message, /Unknown command-line flag/);
  assert.match(paramsError(() => load(["extra"], {})).message, /must be flags, got "extra"/);
  assert.match(paramsError(() => load(["--epochs"], {})).message, /--epochs needs a value/);
  assert.match(paramsError(() => load(["--quick=1"], {})).message, /--quick is a switch/);
});

Deno.test("params: dataset names are checked by the app's list or validator", () => {
  assert.match(
    paramsError(() => load(["--dataset", "moon"], {}, TOY_DATASETS)).message,
    /run\.dataset must be one of "moons", .* got "moon" \(from --dataset\); did you mean "moons"\?/,
  );
  const e = paramsError(() =>
    loadParams("t", ["--dataset", "x"], {
      paramsDir: dir,
      datasets: (name) => name.startsWith("data/") ? null : "a folder under data/",
    })
  );
  assert.match(e.message, /run\.dataset must be a folder under data\/, got "x"/);
  assert.equal(load(["--dataset", "anything"], {}).run.dataset, "anything");
});

Deno.test("params: all problems are reported in one ParamsError", () => {
  const e = paramsError(() =>
    load(["--epochs", "0", "--set", "run.seed=-1"], {
      training: { batch_size: 0 },
      model_arch: { bijector: "maf" },
    })
  );
  assert.equal(e.problems.length, 4);
  assert.match(e.message, /4 problems/);
  for (const field of ["num_epochs", "run.seed", "batch_size", "bijector"]) {
    assert.ok(e.message.includes(field), field);
  }
});

Deno.test("params: --help lists every flag and field", () => {
  let text = "";
  try {
    loadParams("app1", ["--epochs", "3", "--help"], { datasets: TOY_DATASETS });
  } catch (e) {
    assert.ok(e instanceof HelpRequested);
    text = e.text;
  }
  for (const { group, name } of schemaRows()) assert.ok(text.includes(`${group}.${name}`), name);
  for (const f of CLI_FLAGS) assert.ok(text.includes(`--${f.name}`), f.name);
  assert.ok(text.includes("swiss_roll3d"));
  assert.match(text, /params\/app1\.json: \[0\.001,1500,0\.5\]/);
  assert.ok(paramsHelp("app9").includes("Usage: deno task app9"));
});

Deno.test("params: the Markdown table has a row for every field", () => {
  const table = paramsMarkdownTable();
  const lines = table.trim().split("\n");
  assert.equal(lines.length, 2 + schemaRows().length);
  for (const { group, name } of schemaRows()) {
    assert.ok(table.includes(`| \`${group}.${name}\` |`), name);
  }
  assert.ok(table.includes("pca \\| direct"));
  const withFile = paramsMarkdownTable({
    fileValues: { run: { dataset: "gmm" } },
    fileLabel: "app1.json",
  });
  assert.match(withFile.split("\n")[0], /\| app1\.json \|/);
});
