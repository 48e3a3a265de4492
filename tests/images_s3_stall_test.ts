/**
 * S3 endpoints that accept the connection and then stall: a real TCP
 * listener on 127.0.0.1 that never answers, one that sends the headers and
 * then stops in the body, and one that sends the body slowly but steadily.
 * Every request must time out, be retried with one line per retry, and end
 * in an error naming the endpoint, the object, the operation, the attempts
 * and the timeout; application 2 must exit 1 with that message.
 */
import assert from "node:assert/strict";
import { exists } from "../lib/core/atomic.ts";
import { ImageDataError } from "../lib/images/errors.ts";
import { S3ImageSource, type S3SourceOptions } from "../lib/images/s3_source.ts";
import { RUN_TAG } from "./app_task.ts";

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the fake server does with each connection. */
type Behaviour =
  | "silent" // accepts, reads nothing, answers nothing
  | "headers" // reads the request, sends 200 headers and 5 of 1000 body bytes, then nothing
  | "slow"; // reads the request, sends a 6-byte body one byte every 150 ms

/** A TCP listener on 127.0.0.1 that stalls as told; `close()` ends every connection. */
function startStallingServer(behaviour: Behaviour) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serve = async (conn: Deno.Conn) => {
    if (behaviour === "silent") return;
    await conn.read(new Uint8Array(65536));
    if (behaviour === "headers") {
      await conn.write(encoder.encode(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" +
          "Content-Length: 1000\r\n\r\n\x89PNG\r",
      ));
      return;
    }
    await conn.write(encoder.encode(
      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 6\r\n\r\n",
    ));
    for (const byte of encoder.encode("abcdef")) {
      await sleep(150);
      await conn.write(new Uint8Array([byte]));
    }
  };
  const served: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      served.push(serve(conn).catch(() => {})); // the client may hang up first
    }
  })().catch(() => {});
  return {
    endpoint: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    /** Connections accepted so far. */
    get connections() {
      return conns.size;
    },
    async close() {
      listener.close();
      await accepting;
      await Promise.all(served);
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
    },
  };
}

/** Options of a source with a short timeout, tiny backoff and the retry lines collected. */
function stallOptions(endpoint: string, lines: string[], attempts: number): S3SourceOptions {
  return {
    endpoint,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    timeoutMs: 300,
    retry: { maxAttempts: attempts, baseDelayMs: 1 },
    warn: (line) => lines.push(line),
  };
}

/** Asserts `promise` rejects within `ms` (failing, not hanging, when it does not) and returns the error. */
async function rejectsWithin(promise: Promise<unknown>, ms: number): Promise<Error> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new assert.AssertionError({ message: `still pending after ${ms} ms` })),
      ms,
    );
  });
  try {
    const error = await Promise.race([promise, late]).then(
      () => assert.fail("expected a rejection"),
      (e: unknown) => e as Error,
    );
    if (error instanceof assert.AssertionError) throw error;
    const took = performance.now() - t0;
    assert.ok(took < ms, `took ${took.toFixed(0)} ms, expected under ${ms} ms`);
    return error;
  } finally {
    clearTimeout(timer);
  }
}

/** No SDK or abort internals in a message meant for a user. */
function assertPlainMessage(message: string) {
  assert.doesNotMatch(message, /AbortError|Request aborted|smithy|aws-sdk|\n/);
}

Deno.test("s3 listing against a server that never answers times out, retries, names it all", async () => {
  const server = startStallingServer("silent");
  const lines: string[] = [];
  const source = new S3ImageSource("s3://b/ds", stallOptions(server.endpoint, lines, 3));
  try {
    const e = await rejectsWithin(source.list(), 10_000);
    assert.ok(e instanceof ImageDataError, String(e));
    assert.equal(
      e.message,
      `s3://b/ds/ (endpoint ${server.endpoint}): listing failed after 3 attempts: ` +
        `no answer from ${server.endpoint} in 300 ms (the timeout of each attempt; set ` +
        `FLOW_MODELS_S3_TIMEOUT_MS or the timeoutMs option to change it)`,
    );
    assertPlainMessage(e.message);
    assert.equal(lines.length, 2, lines.join("\n"));
    lines.forEach((line, i) =>
      assert.match(
        line,
        new RegExp(
          `^s3://b/ds/: no answer from ${server.endpoint} in 300 ms ` +
            `\\(list, attempt ${i + 1} of 3\\); retrying in \\d+ ms$`,
        ),
      )
    );
    assert.equal(server.connections, 3, "each attempt connects anew");
  } finally {
    await source.close();
    await server.close();
  }
});

Deno.test("s3 object whose body stalls after the headers times out and is retried", async () => {
  const server = startStallingServer("headers");
  const lines: string[] = [];
  const source = new S3ImageSource("s3://b/ds", stallOptions(server.endpoint, lines, 2));
  try {
    const e = await rejectsWithin(
      source.fetch({ id: "ds/train/cat/0.png", split: "train", label: "cat" }),
      10_000,
    );
    assert.ok(e instanceof ImageDataError, String(e));
    assert.equal(
      e.message,
      `s3://b/ds/ (endpoint ${server.endpoint}): reading s3://b/ds/train/cat/0.png failed ` +
        `after 2 attempts: ${server.endpoint} stopped sending for 300 ms (the timeout of each ` +
        `attempt; set FLOW_MODELS_S3_TIMEOUT_MS or the timeoutMs option to change it)`,
    );
    assertPlainMessage(e.message);
    assert.deepEqual(lines.map((l) => l.replace(/\d+ ms$/, "N ms")), [
      `s3://b/ds/train/cat/0.png: ${server.endpoint} stopped sending for 300 ms ` +
      `(get, attempt 1 of 2); retrying in N ms`,
    ]);
  } finally {
    await source.close();
    await server.close();
  }
});

Deno.test("s3 listing whose answer stalls after the headers times out too", async () => {
  const server = startStallingServer("headers");
  const lines: string[] = [];
  const source = new S3ImageSource("s3://b/ds", stallOptions(server.endpoint, lines, 2));
  try {
    const e = await rejectsWithin(source.list(), 10_000);
    assert.match(e.message, /listing failed after 2 attempts: no answer from .* in 300 ms/);
    assertPlainMessage(e.message);
    assert.equal(lines.length, 1);
  } finally {
    await source.close();
    await server.close();
  }
});

Deno.test("s3 object sent slowly but steadily is read: the timeout is per chunk", async () => {
  const server = startStallingServer("slow");
  const lines: string[] = [];
  const options = { ...stallOptions(server.endpoint, lines, 1), timeoutMs: 400 };
  const source = new S3ImageSource("s3://b/ds", options);
  try {
    const t0 = performance.now();
    const image = await source.fetch({ id: "ds/train/cat/0.png", split: "train", label: "cat" });
    assert.ok(performance.now() - t0 > 400, "the whole body took longer than the timeout");
    assert.equal(new TextDecoder().decode(image.bytes), "abcdef");
    assert.deepEqual(lines, []);
  } finally {
    await source.close();
    await server.close();
  }
});

Deno.test("s3 timeout options are validated", () => {
  assert.throws(
    () => new S3ImageSource("s3://b/ds", { timeoutMs: 0 }),
    /s3:\/\/b\/ds: timeoutMs must be a positive number of milliseconds, got 0/,
  );
  assert.throws(
    () => new S3ImageSource("s3://b/ds", { retry: { maxAttempts: 0 } }),
    /retry\.maxAttempts must be a positive integer, got 0/,
  );
  Deno.env.set("FLOW_MODELS_S3_TIMEOUT_MS", "soon");
  try {
    assert.throws(
      () => new S3ImageSource("s3://b/ds"),
      /FLOW_MODELS_S3_TIMEOUT_MS must be a positive number of milliseconds, got "soon"/,
    );
  } finally {
    Deno.env.delete("FLOW_MODELS_S3_TIMEOUT_MS");
  }
});

Deno.test("app2 against an S3 endpoint that never answers exits 1 with the timeout in the message", async () => {
  const server = startStallingServer("silent");
  const dir = `output/test-app2-stall-${RUN_TAG}`;
  const kill = new AbortController();
  const guard = setTimeout(() => kill.abort(), 60_000); // a hanging app fails the test
  try {
    const t0 = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "--quiet",
        "app2",
        "--quick",
        "--out",
        dir,
        "--images",
        "s3://b/ds",
        "--s3-endpoint",
        server.endpoint,
      ],
      stdout: "piped",
      stderr: "piped",
      signal: kill.signal,
      env: {
        NO_COLOR: "1",
        AWS_ACCESS_KEY_ID: "x",
        AWS_SECRET_ACCESS_KEY: "x",
        FLOW_MODELS_S3_TIMEOUT_MS: "300",
      },
    }).output();
    const took = performance.now() - t0;
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.ok(took < 40_000, `took ${took.toFixed(0)} ms`);
    const endpoint = server.endpoint.replaceAll(".", "\\.");
    assert.match(
      stderr,
      new RegExp(
        `app2 failed: s3://b/ds/ \\(endpoint ${endpoint}\\): listing failed after 4 ` +
          `attempts: no answer from ${endpoint} in 300 ms \\(the timeout of each attempt; ` +
          `set FLOW_MODELS_S3_TIMEOUT_MS`,
      ),
    );
    for (const k of [1, 2, 3]) assert.match(stderr, new RegExp(`\\(list, attempt ${k} of 4\\)`));
    assertPlainMessage(stderr.slice(stderr.indexOf("app2 failed:")).trimEnd());
    assert.equal(server.connections, 4);
    assert.ok(!(await exists(dir)), `${dir} was created`);
  } finally {
    clearTimeout(guard);
    await server.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
