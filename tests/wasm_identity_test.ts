/**
 * The zero-copy Identity of lib/kernels/identity.ts, installed by
 * `initBackend("wasm")` (importing the library alone does not; see
 * kernels_door_test.ts): a clone on wasm shares its source's buffer (no
 * copy), survives the source's disposal with its values, and frees the
 * buffer when the last holder goes.
 */
import assert from "node:assert/strict";
import { tf } from "../lib/core/tf.ts";
import { initBackend } from "../lib/kernels/mod.ts";

Deno.test("wasm clones share buffers and keep their values after the source is disposed", async () => {
  await initBackend("wasm");
  const backend = tf.backend() as unknown as { refCount(id: object): number };
  const before = tf.memory().numBytes;
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId);
  assert.equal(backend.refCount(x.dataId), 2);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  assert.equal(backend.refCount(y.dataId), 1);
  y.dispose();
  assert.equal(backend.refCount(y.dataId), 0);
  assert.equal(tf.memory().numBytes, before);
});
