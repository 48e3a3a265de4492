/**
 * A real S3-protocol server for the S3 tests: s3rver (npm) on 127.0.0.1,
 * in this process, storing into a temporary folder; plus an optional proxy
 * in front of it that answers some requests with `503 SlowDown`, to test
 * retries.
 *
 * s3rver makes its ListObjectsV2 continuation tokens with the `des` cipher,
 * which Deno's node:crypto does not offer. Triple DES with three equal keys
 * is single DES, so `des` is served here as `des-ede3-cbc` with the key
 * repeated three times: the same bytes, through a cipher Deno has.
 *
 * @module
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
// deno-lint-ignore no-import-prefix
import S3rver from "npm:s3rver@3.7.1";
// deno-lint-ignore no-import-prefix
import { CreateBucketCommand, PutObjectCommand, S3Client } from "npm:@aws-sdk/client-s3@3.1175.0";

type CipherFn = typeof crypto.createCipheriv;
type DecipherFn = typeof crypto.createDecipheriv;
const patched = crypto as unknown as {
  createCipheriv: CipherFn;
  createDecipheriv: DecipherFn;
  __desShim?: boolean;
};
if (!patched.__desShim) {
  const enc = crypto.createCipheriv, dec = crypto.createDecipheriv;
  const triple = (key: crypto.CipherKey) => {
    const k = Buffer.from(key as Uint8Array);
    return Buffer.concat([k, k, k]);
  };
  patched.createCipheriv = ((alg: string, key: crypto.CipherKey, iv: Buffer, opts?: unknown) =>
    alg === "des"
      ? enc("des-ede3-cbc", triple(key), iv)
      : enc(alg, key, iv, opts as never)) as CipherFn;
  patched.createDecipheriv = ((alg: string, key: crypto.CipherKey, iv: Buffer, opts?: unknown) =>
    alg === "des"
      ? dec("des-ede3-cbc", triple(key), iv)
      : dec(alg, key, iv, opts as never)) as DecipherFn;
  patched.__desShim = true;
}

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** A running server. */
export interface TestS3Server {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** A client for it (path style, s3rver's credentials). */
  client: S3Client;
  /** Creates a bucket and uploads objects. */
  upload(bucket: string, objects: Map<string, Uint8Array>): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 on a free port.
 * @returns The server.
 */
export async function startS3Server(): Promise<TestS3Server> {
  const dir = await Deno.makeTempDir({ prefix: "s3rver-" });
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: S3RVER_CREDENTIALS,
  });
  return {
    endpoint,
    client,
    async upload(bucket, objects) {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      for (const [key, body] of objects) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      }
    },
    async stop() {
      client.destroy();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A proxy that fails some requests. */
export interface FlakyProxy {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Requests answered with 503 so far. */
  failures: number;
  /** Requests passed through so far. */
  passed: number;
  /** Stops the proxy. */
  stop(): Promise<void>;
}

/**
 * Starts a proxy to `upstream` that answers the first `failFirst` requests
 * for each path with `503 SlowDown` and passes the rest through unchanged
 * (Host header included, so request signatures stay valid).
 * @param upstream The server's endpoint.
 * @param failFirst Failures per path before it passes through.
 * @returns The proxy.
 */
export async function startFlakyProxy(upstream: string, failFirst: number): Promise<FlakyProxy> {
  const target = new URL(upstream);
  const seen = new Map<string, number>();
  const state = { failures: 0, passed: 0 };
  const server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    const n = (seen.get(path) ?? 0) + 1;
    seen.set(path, n);
    if (n <= failFirst) {
      state.failures++;
      req.resume();
      res.writeHead(503, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>' +
          "<Message>Please reduce your request rate.</Message></Error>",
      );
      return;
    }
    state.passed++;
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: req.headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on("error", (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get failures() {
      return state.failures;
    },
    get passed() {
      return state.passed;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
