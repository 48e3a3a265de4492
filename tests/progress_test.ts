import assert from "node:assert/strict";
import { ConsoleProgress, formatProgress, type ProgressState } from "../lib/training/progress.ts";

const state: ProgressState = {
  epoch: 2,
  epochs: 10,
  step: 5,
  stepsPerEpoch: 50,
  loss: 2.5,
  bitsPerDim: 1.8034,
  stepsPerSecond: 12.5,
  etaSeconds: 125,
};

Deno.test("progress line shows epoch, step, loss, bpd, speed and ETA", () => {
  assert.equal(
    formatProgress(state),
    "epoch 2/10 step 5/50 loss 2.5000 bpd 1.8034 12.5 steps/s ETA 2m05s",
  );
});

Deno.test("progress updates one line in place on a TTY and writes plain lines otherwise", () => {
  let tty = "";
  const onTty = new ConsoleProgress({ tty: true, write: (t) => (tty += t) });
  onTty.step(state);
  onTty.line("epoch 2 done");
  onTty.done();
  assert.ok(tty.startsWith("\r\x1b[2Kepoch 2/10"), JSON.stringify(tty));
  assert.ok(tty.includes("\r\x1b[2Kepoch 2 done\n"));

  let plain = "";
  const onFile = new ConsoleProgress({ tty: false, intervalMs: 0, write: (t) => (plain += t) });
  onFile.step(state);
  onFile.step({ ...state, step: 6 });
  onFile.line("epoch 2 done");
  onFile.done();
  assert.ok(!plain.includes("\r") && !plain.includes("\x1b"), "no control characters off a TTY");
  assert.deepEqual(plain.trim().split("\n").length, 3);
});
