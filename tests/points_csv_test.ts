import assert from "node:assert/strict";
import { parsePointsCsv, readPointsCsv } from "../lib/data/points_csv.ts";

Deno.test("CSV points parse with or without a header", () => {
  const a = parsePointsCsv("x,y\n0,1\n2.5,-3\n", "a.csv");
  assert.deepEqual(a.columns, ["x", "y"]);
  assert.deepEqual(Array.from(a.points), [0, 1, 2.5, -3]);
  const b = parsePointsCsv("1,2,3\n4,5,6\n\n", "b.csv");
  assert.equal(b.dims, 3);
  assert.deepEqual(b.columns, ["x1", "x2", "x3"]);
});

Deno.test("bad CSV points name the file, line and column", async () => {
  assert.throws(
    () => parsePointsCsv("x,y\n0,1\n2,NaN\n", "p.csv"),
    /p\.csv, line 3, column 2: value "NaN"/,
  );
  assert.throws(
    () => parsePointsCsv("0,1\n2\n", "p.csv"),
    /p\.csv, line 2: expected 2 values, got 1/,
  );
  assert.throws(() => parsePointsCsv("0,1\n2,abc\n", "p.csv"), /line 2, column 2: value "abc"/);
  assert.throws(() => parsePointsCsv("x\n1\n", "p.csv"), /at least 2 columns/);
  await assert.rejects(() => readPointsCsv("/nonexistent/points.csv"), /does not exist/);
});
