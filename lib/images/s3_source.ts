/**
 * Images under an S3 prefix, `s3://bucket/prefix`, in the same layout as a
 * folder: `<prefix>/train/<class>/*.{png,jpg,jpeg}` and `<prefix>/val/<class>/*`.
 * Uses `@aws-sdk/client-s3` (loaded on first use): credentials and region
 * come from the standard AWS environment and config files
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, `AWS_REGION`,
 * `~/.aws/credentials`, …); `endpoint` (or `AWS_ENDPOINT_URL_S3` /
 * `AWS_ENDPOINT_URL`) selects an S3-compatible store, with path-style
 * addressing. Listing is paginated; requests are retried with backoff on
 * throttling, 5xx, dropped connections and timeouts: every request gives up
 * waiting after `timeoutMs` (default 10 s, or `FLOW_MODELS_S3_TIMEOUT_MS`)
 * without an answer, or without a byte of an object's body, and each retry
 * is reported in one line. Needs `--allow-net`, `--allow-env` and
 * `--allow-read` (AWS config files).
 *
 * @module
 */
// deno-lint-ignore no-import-prefix
import type { S3Client } from "npm:@aws-sdk/client-s3@3.1175.0";
import { errorMessage, ImageDataError } from "./errors.ts";
import { isRetryableS3Error, type RetryOptions, withRetry } from "./retry.ts";
import {
  type EncodedImage,
  type ImageItem,
  type ImageSource,
  isImageName,
  sortItems,
  type Split,
} from "./source.ts";

/** Options of {@link S3ImageSource}. */
export interface S3SourceOptions {
  /** Endpoint of an S3-compatible store, e.g. `http://127.0.0.1:9000`. Default: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS. */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`). Default: true when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Region. Default: `AWS_REGION`, `AWS_DEFAULT_REGION`, the AWS config file, else `us-east-1` with a custom endpoint. */
  region?: string;
  /** Explicit credentials. Default: the SDK's standard provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Objects fetched at once. Default 16. */
  concurrency?: number;
  /** Keys per listing request (1..1000). Default 1000. */
  pageSize?: number;
  /**
   * Retries of each request: attempts and backoff. Default 4 attempts, 200 ms base (waits of
   * up to 0.2, 0.4 and 0.8 s). An `onRetry` here is called besides the `warn` line.
   */
  retry?: RetryOptions;
  /**
   * Longest wait of one attempt for the server, in milliseconds: to connect and answer (a
   * listing page: its whole answer), and then between two chunks of an object's body. An
   * attempt that runs out of it is aborted and retried. Default: the environment variable
   * `FLOW_MODELS_S3_TIMEOUT_MS`, else 10 000.
   */
  timeoutMs?: number;
  /** Receives one line per retried request: what failed, the attempt, the wait. Default `console.warn`. */
  warn?: (line: string) => void;
}

/** Default of {@link S3SourceOptions.timeoutMs}. */
const DEFAULT_TIMEOUT_MS = 10_000;
/** Default of `S3SourceOptions.retry.maxAttempts`. */
const DEFAULT_ATTEMPTS = 4;
/** The environment variable that overrides the default timeout. */
const TIMEOUT_ENV = "FLOW_MODELS_S3_TIMEOUT_MS";

/** `1.3 s` or `300 ms`. */
function duration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}

/** An attempt that got no answer (or no more body) in time; retryable by its name. */
class S3TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** Bucket and key prefix of an `s3://` URL. */
export interface S3Location {
  /** Bucket name. */
  bucket: string;
  /** Key prefix ending in `/`, or `""` for the whole bucket. */
  prefix: string;
}

/**
 * Splits an `s3://bucket/prefix` URL.
 * @param url The URL.
 * @returns Bucket and prefix (with a trailing `/` unless empty).
 * @throws {ImageDataError} When it is not an `s3://` URL with a bucket.
 * @example
 * ```ts
 * import { parseS3Url } from "./s3_source.ts";
 * parseS3Url("s3://my-bucket/images/cats"); // { bucket: "my-bucket", prefix: "images/cats/" }
 * ```
 */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m || !m[1]) {
    throw new ImageDataError(`${url}: expected s3://bucket or s3://bucket/prefix`);
  }
  const path = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket: m[1], prefix: path ? `${path}/` : "" };
}

const AUTH_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AllAccessDisabled",
]);

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The S3 client module, loaded on first use. */
type S3Module = typeof import("npm:@aws-sdk/client-s3@3.1175.0");
let sdk: Promise<S3Module> | undefined;

function loadSdk(): Promise<S3Module> {
  // deno-lint-ignore no-import-prefix
  sdk ??= import("npm:@aws-sdk/client-s3@3.1175.0");
  return sdk;
}

/** An `s3://bucket/prefix` in the `train/`/`val/` class layout. */
export class S3ImageSource implements ImageSource {
  readonly location: string;
  readonly concurrency: number;
  readonly #where: S3Location;
  readonly #options: S3SourceOptions;
  readonly #endpoint: string | undefined;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  #client: Promise<S3Client> | undefined;

  /**
   * @param url `s3://bucket/prefix`.
   * @param options Endpoint, region, credentials, concurrency, paging, retries, timeout.
   * @example
   * ```ts ignore
   * // Needs an S3 server (here an S3-compatible one on the local machine).
   * import { S3ImageSource } from "./s3_source.ts";
   * const source = new S3ImageSource("s3://my-bucket/pets", { endpoint: "http://127.0.0.1:9000" });
   * const items = await source.list();
   * await source.close();
   * ```
   * @example
   * ```ts
   * // Give up on a silent server after 3 s per attempt, 2 attempts, retry lines to a log.
   * import { S3ImageSource } from "./s3_source.ts";
   * const log: string[] = [];
   * const source = new S3ImageSource("s3://my-bucket/pets", {
   *   endpoint: "http://127.0.0.1:9000",
   *   timeoutMs: 3000,
   *   retry: { maxAttempts: 2 },
   *   warn: (line) => log.push(line),
   * });
   * await source.close(); // nothing was requested
   * ```
   */
  constructor(url: string, options: S3SourceOptions = {}) {
    this.#where = parseS3Url(url);
    this.location = `s3://${this.#where.bucket}/${this.#where.prefix}`;
    this.#options = options;
    this.concurrency = options.concurrency ?? 16;
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) {
      throw new ImageDataError(
        `${url}: concurrency must be a positive integer, got ${this.concurrency}`,
      );
    }
    const page = options.pageSize ?? 1000;
    if (!(Number.isInteger(page) && page >= 1 && page <= 1000)) {
      throw new ImageDataError(`${url}: pageSize must be an integer in 1..1000, got ${page}`);
    }
    this.#endpoint = options.endpoint ?? Deno.env.get("AWS_ENDPOINT_URL_S3") ??
      Deno.env.get("AWS_ENDPOINT_URL");
    const fromEnv = options.timeoutMs === undefined ? Deno.env.get(TIMEOUT_ENV) : undefined;
    this.#timeoutMs = options.timeoutMs ?? (fromEnv ? Number(fromEnv) : DEFAULT_TIMEOUT_MS);
    if (!(Number.isFinite(this.#timeoutMs) && this.#timeoutMs > 0)) {
      const given = fromEnv === undefined ? String(options.timeoutMs) : JSON.stringify(fromEnv);
      throw new ImageDataError(
        `${url}: ${fromEnv === undefined ? "timeoutMs" : TIMEOUT_ENV} must be a positive ` +
          `number of milliseconds, got ${given}`,
      );
    }
    this.#attempts = options.retry?.maxAttempts ?? DEFAULT_ATTEMPTS;
    if (!(Number.isInteger(this.#attempts) && this.#attempts >= 1)) {
      throw new ImageDataError(
        `${url}: retry.maxAttempts must be a positive integer, got ${this.#attempts}`,
      );
    }
  }

  /** The server as named in messages. */
  get #server(): string {
    return this.#endpoint ?? "AWS S3";
  }

  #clientPromise(): Promise<S3Client> {
    this.#client ??= loadSdk().then((m) => {
      const region = this.#options.region ?? Deno.env.get("AWS_REGION") ??
        Deno.env.get("AWS_DEFAULT_REGION") ?? (this.#endpoint ? "us-east-1" : undefined);
      return new m.S3Client({
        ...(region ? { region } : {}),
        ...(this.#endpoint ? { endpoint: this.#endpoint } : {}),
        forcePathStyle: this.#options.forcePathStyle ?? this.#endpoint !== undefined,
        ...(this.#options.credentials ? { credentials: this.#options.credentials } : {}),
        // Retries are ours (withRetry), so that reading the body is retried too.
        maxAttempts: 1,
      });
    });
    return this.#client;
  }

  /** Turns an SDK error into one that says what to do. */
  #explain(e: unknown, what: string, attempts: number): Error {
    const err = e as SdkError;
    const code = err?.name ?? err?.Code ?? "";
    const status = err?.$metadata?.httpStatusCode;
    const where = `${this.location}${this.#endpoint ? ` (endpoint ${this.#endpoint})` : ""}`;
    if (code === "NoSuchBucket") {
      return new ImageDataError(`${where}: bucket "${this.#where.bucket}" does not exist`, {
        cause: e,
      });
    }
    if (AUTH_CODES.has(code) || status === 403 || status === 401) {
      return new ImageDataError(
        `${where}: access denied while ${what} (${code || status}); check the credentials ` +
          `(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/credentials) and ` +
          `the bucket's permissions`,
        { cause: e },
      );
    }
    if (code === "CredentialsProviderError" || /credential/i.test(errorMessage(e))) {
      return new ImageDataError(
        `${where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
          `or AWS_PROFILE with ~/.aws/credentials (${errorMessage(e)})`,
        { cause: e },
      );
    }
    if (/region is missing/i.test(errorMessage(e))) {
      return new ImageDataError(
        `${where}: no AWS region; set AWS_REGION or a region in ~/.aws/config`,
        { cause: e },
      );
    }
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    if (e instanceof S3TimeoutError) {
      return new ImageDataError(
        `${where}: ${what} failed${after}: ${e.message} (the timeout of each attempt; set ` +
          `${TIMEOUT_ENV} or the timeoutMs option to change it)`,
        { cause: e },
      );
    }
    return new ImageDataError(
      `${where}: ${what} failed${after}: ${code ? `${code}: ` : ""}${errorMessage(e)}`,
      { cause: e },
    );
  }

  /** One short line on a failed attempt: the timeout, or the error's code, status and message. */
  #describe(e: unknown): string {
    if (e instanceof S3TimeoutError) return e.message;
    const err = e as SdkError;
    const code = err?.name ?? err?.Code ?? "Error";
    const status = err?.$metadata?.httpStatusCode;
    const message = errorMessage(e).split("\n")[0];
    return `${code}${status ? ` (HTTP ${status})` : ""} from ${this.#server}: ` +
      (message.length > 100 ? `${message.slice(0, 100)}…` : message);
  }

  /**
   * Runs a request with the timeout, retrying transient failures with a line each, and turns
   * the last failure into an {@link ImageDataError}.
   * @param op `list` or `get`, for the retry lines.
   * @param target The prefix or object, for the retry lines.
   * @param what The operation in the final error, e.g. `listing`.
   * @param run One attempt; it must pass `signal` to the SDK and call `alive` on each chunk read.
   */
  async #request<T>(
    op: "list" | "get",
    target: string,
    what: string,
    run: (signal: AbortSignal, alive: () => void) => Promise<T>,
  ): Promise<T> {
    const warn = this.#options.warn ?? console.warn;
    let made = 0;
    try {
      return await withRetry(
        (attempt) => {
          made = attempt;
          return this.#attempt(run);
        },
        isRetryableS3Error,
        {
          ...this.#options.retry,
          maxAttempts: this.#attempts,
          onRetry: (attempt, error, delayMs) => {
            warn(
              `${target}: ${this.#describe(error)} (${op}, attempt ${attempt} of ` +
                `${this.#attempts}); retrying in ${duration(delayMs)}`,
            );
            this.#options.retry?.onRetry?.(attempt, error, delayMs);
          },
        },
      );
    } catch (e) {
      throw e instanceof ImageDataError ? e : this.#explain(e, what, made);
    }
  }

  /**
   * One attempt under the timeout: armed at the start and re-armed by `alive`; when it runs
   * out the request is aborted and the attempt fails with an {@link S3TimeoutError} at once.
   */
  async #attempt<T>(run: (signal: AbortSignal, alive: () => void) => Promise<T>): Promise<T> {
    const ms = this.#timeoutMs;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let answered = false;
    let timedOut: S3TimeoutError | undefined;
    let fail: (e: Error) => void = () => {};
    const expired = new Promise<never>((_, reject) => fail = reject);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = new S3TimeoutError(
          answered
            ? `${this.#server} stopped sending for ${duration(ms)}`
            : `no answer from ${this.#server} in ${duration(ms)}`,
        );
        controller.abort(timedOut);
        fail(timedOut);
      }, ms);
    };
    arm();
    const work = run(controller.signal, () => {
      answered = true;
      arm();
    });
    try {
      return await Promise.race([work, expired]);
    } catch (e) {
      throw timedOut ?? e;
    } finally {
      clearTimeout(timer);
      work.catch(() => {}); // after a timeout it fails with the abort; the timeout is reported
    }
  }

  /**
   * Lists the prefix page by page.
   * @returns Every image of both splits, sorted.
   * @throws {ImageDataError} On a missing bucket, denied access, or no image in `train/<class>/`.
   */
  async list(): Promise<ImageItem[]> {
    const m = await loadSdk();
    const client = await this.#clientPromise();
    const { bucket, prefix } = this.#where;
    const items: ImageItem[] = [];
    let loose = 0;
    let token: string | undefined;
    do {
      const command = new m.ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: this.#options.pageSize ?? 1000,
        ContinuationToken: token,
      });
      const page = await this.#request(
        "list",
        this.location,
        "listing",
        (abortSignal) => client.send(command, { abortSignal }),
      );
      for (const obj of page.Contents ?? []) {
        const key = obj.Key ?? "";
        if (!isImageName(key)) continue;
        const parts = key.slice(prefix.length).split("/");
        if (parts[0] !== "train" && parts[0] !== "val") continue;
        if (parts.length < 3) {
          loose++;
          continue;
        }
        items.push({ id: key, split: parts[0] as Split, label: parts[1] });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (!items.some((it) => it.split === "train")) {
      throw new ImageDataError(
        `${this.location}: no images under train/<class>/` +
          (loose
            ? ` (${loose} images lie directly in train/ or val/; put them in class folders)`
            : "") +
          `; expected train/<class>/*.png|jpg|jpeg and val/<class>/*`,
      );
    }
    return sortItems(items);
  }

  /**
   * Downloads one object, retrying transient failures.
   * @param item An item from {@link list}.
   * @returns The object's bytes.
   */
  async fetch(item: ImageItem): Promise<EncodedImage> {
    const m = await loadSdk();
    const client = await this.#clientPromise();
    const url = `s3://${this.#where.bucket}/${item.id}`;
    const bytes = await this.#request("get", url, `reading ${url}`, async (abortSignal, alive) => {
      const command = new m.GetObjectCommand({ Bucket: this.#where.bucket, Key: item.id });
      const out = await client.send(command, { abortSignal });
      alive();
      if (!out.Body) throw new ImageDataError(`${url}: empty response body`);
      const chunks: Uint8Array[] = [];
      for await (const chunk of out.Body.transformToWebStream()) {
        chunks.push(chunk);
        alive();
      }
      return concatBytes(chunks);
    });
    return { kind: "encoded", bytes };
  }

  /** Closes the client's connections. */
  async close(): Promise<void> {
    if (this.#client) (await this.#client).destroy();
    this.#client = undefined;
  }
}

/** The chunks of a body as one array. */
function concatBytes(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
