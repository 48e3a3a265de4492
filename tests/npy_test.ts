/**
 * NumPy `.npy` files (lib/io/npy.ts): round trips of float32/float64 arrays of
 * several shapes through bytes and through files, files written by real NumPy
 * (2.1.3, `numpy.save` into a BytesIO, base64 below) read exactly and written
 * byte for byte the same, and the errors of a damaged or foreign file: bad
 * magic, unsupported dtype (named), Fortran order, truncated data (both byte
 * counts), each naming the file.
 */
import assert from "node:assert/strict";
import { decodeNpy, encodeNpy, readNpy, writeNpy } from "../lib/io/npy.ts";

const decodeBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** Files written by `numpy.save` (NumPy 2.1.3), base64. */
const NUMPY = {
  // np.arange(6, dtype='<f4').reshape(2, 3) / 4
  f4_2x3:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8=",
  // np.array([1.5, -2.25, 3.0])
  f8_3:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAALAAAAAAAAACEA=",
  // np.zeros((0,), dtype='<f4')
  f4_0:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=",
  // np.float64(7.5)
  f8_scalar:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAeQA==",
  // np.array([[[1e-300, -0.0]], [[np.pi, 1e300]]])
  f8_2x1x2:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDEsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIApZ8/jCH26lAQAAAAAAAACAGC1EVPshCUCcdQCIPOQ3fg==",
  // np.arange(2, dtype='<i4')
  i4_2:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAQAAAA==",
  // np.arange(2, dtype='>f4')
  be_f4_2:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAP4AAAA==",
  // np.zeros(1, dtype=[('a', '<f4')])
  structured:
    "k05VTVBZAQB2AHsnZGVzY3InOiBbKCdhJywgJzxmNCcpXSwgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAA",
  // np.asfortranarray(np.arange(6.0).reshape(2, 3))
  fortran_f8_2x3:
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAhAAAAAAAAA8D8AAAAAAAAQQAAAAAAAAABAAAAAAAAAFEA=",
};

function sequence<T extends Float32Array | Float64Array>(
  Type: { new (n: number): T },
  n: number,
): T {
  const a = new Type(n);
  for (let i = 0; i < n; i++) a[i] = (i - n / 3) * 0.37 + (i % 7) * 1e-3;
  return a;
}

Deno.test("encodeNpy/decodeNpy: round trip of shapes [0], [3], [2, 3], [5, 4, 3], [] in f4 and f8", () => {
  for (const shape of [[0], [3], [2, 3], [5, 4, 3], [], [4, 0, 2]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const data of [sequence(Float32Array, n), sequence(Float64Array, n)]) {
      const bytes = encodeNpy(data, shape);
      assert.equal((bytes.length - data.byteLength) % 64, 0, "header padded to 64 bytes");
      const back = decodeNpy(bytes);
      assert.deepEqual(back.shape, shape);
      assert.equal(back.data.constructor, data.constructor);
      assert.deepEqual(back.data, data);
    }
  }
});

Deno.test("encodeNpy: a subarray view writes only its own values", () => {
  const big = sequence(Float64Array, 10);
  const back = decodeNpy(encodeNpy(big.subarray(3, 7), [2, 2]));
  assert.deepEqual(Array.from(back.data), Array.from(big.subarray(3, 7)));
});

Deno.test("writeNpy/readNpy: files round trip, atomically, with a clear size mismatch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const shape of [[0], [3], [2, 3], [5, 4, 3]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      for (const data of [sequence(Float32Array, n), sequence(Float64Array, n)]) {
        const path = `${dir}/sub/a_${shape.join("x")}.npy`;
        await writeNpy(path, data, shape);
        const back = await readNpy(path);
        assert.deepEqual(back.shape, shape);
        assert.deepEqual(back.data, data);
      }
    }
    const names = [];
    for await (const e of Deno.readDir(`${dir}/sub`)) names.push(e.name);
    assert.ok(names.every((n) => !n.startsWith(".")), `temporary files left: ${names}`);
    await assert.rejects(
      () => writeNpy(`${dir}/b.npy`, new Float32Array(5), [2, 3]),
      (err: Error) => err.message.includes("b.npy") && err.message.includes("holds 6 values"),
    );
    await assert.rejects(() => readNpy(`${dir}/missing.npy`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decodeNpy: files written by NumPy read exactly", () => {
  const f4 = decodeNpy(decodeBase64(NUMPY.f4_2x3));
  assert.deepEqual(f4.shape, [2, 3]);
  assert.ok(f4.data instanceof Float32Array);
  assert.deepEqual(Array.from(f4.data), [0, 0.25, 0.5, 0.75, 1, 1.25]);
  const f8 = decodeNpy(decodeBase64(NUMPY.f8_3));
  assert.ok(f8.data instanceof Float64Array);
  assert.deepEqual(f8.shape, [3]);
  assert.deepEqual(Array.from(f8.data), [1.5, -2.25, 3]);
  const empty = decodeNpy(decodeBase64(NUMPY.f4_0));
  assert.deepEqual(empty.shape, [0]);
  assert.equal(empty.data.length, 0);
  const scalar = decodeNpy(decodeBase64(NUMPY.f8_scalar));
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(Array.from(scalar.data), [7.5]);
  const cube = decodeNpy(decodeBase64(NUMPY.f8_2x1x2));
  assert.deepEqual(cube.shape, [2, 1, 2]);
  assert.deepEqual(Array.from(cube.data), [1e-300, -0, Math.PI, 1e300]);
  assert.ok(Object.is(cube.data[1], -0));
});

Deno.test("encodeNpy: the same bytes as numpy.save", () => {
  const cases: [keyof typeof NUMPY, Float32Array | Float64Array, number[]][] = [
    ["f4_2x3", new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]), [2, 3]],
    ["f8_3", new Float64Array([1.5, -2.25, 3]), [3]],
    ["f4_0", new Float32Array(0), [0]],
    ["f8_scalar", new Float64Array([7.5]), []],
    ["f8_2x1x2", new Float64Array([1e-300, -0, Math.PI, 1e300]), [2, 1, 2]],
  ];
  for (const [name, data, shape] of cases) {
    assert.deepEqual(encodeNpy(data, shape), decodeBase64(NUMPY[name]), name);
  }
});

Deno.test("decodeNpy: bad magic, unsupported dtypes, Fortran order, truncated data name the file", () => {
  const fails = (bytes: Uint8Array, ...parts: string[]) =>
    assert.throws(
      () => decodeNpy(bytes, "data/x.npy"),
      (err: Error) => {
        for (const p of ["data/x.npy", ...parts]) {
          assert.ok(err.message.includes(p), `"${err.message}" lacks "${p}"`);
        }
        return true;
      },
    );
  fails(new TextEncoder().encode("PK\x03\x04 a zip, not an array"), "bad magic");
  fails(new Uint8Array(0), "bad magic");
  fails(decodeBase64(NUMPY.i4_2), "'<i4'", "int32");
  fails(decodeBase64(NUMPY.be_f4_2), "'>f4'", "big-endian");
  fails(decodeBase64(NUMPY.structured), "[('a', '<f4')]", "structured");
  fails(decodeBase64(NUMPY.fortran_f8_2x3), "Fortran order");
  const whole = decodeBase64(NUMPY.f4_2x3);
  fails(whole.subarray(0, whole.length - 5), "truncated", "24 bytes", "has 19");
  fails(whole.subarray(0, 100), "truncated .npy header");
  fails(whole.subarray(0, 8), "truncated .npy header");
  const longer = new Uint8Array(whole.length + 4);
  longer.set(whole);
  fails(longer, "trailing", "24 bytes", "has 28");
  const v9 = whole.slice();
  v9[6] = 9;
  fails(v9, "version 9.0");
});

Deno.test("readNpy: errors name the path", async () => {
  const path = await Deno.makeTempFile({ suffix: ".npy" });
  try {
    const whole = decodeBase64(NUMPY.f8_3);
    await Deno.writeFile(path, whole.subarray(0, whole.length - 8));
    await assert.rejects(
      () => readNpy(path),
      (err: Error) => err.message.startsWith(path) && /needs 24 bytes .* has 16/.test(err.message),
    );
  } finally {
    await Deno.remove(path);
  }
});
