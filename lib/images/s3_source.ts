/**
 * Images under an S3 prefix, `s3://bucket/prefix`, in the same layout as a
 * folder: `<prefix>/train/<class>/*.{png,jpg,jpeg}` and `<prefix>/val/<class>/*`.
 * Uses `@aws-sdk/client-s3` (loaded on first use): credentials and region
 * come from the standard AWS environment and config files
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, `AWS_REGION`,
 * `~/.aws/credentials`, …); `endpoint` (or `AWS_ENDPOINT_URL_S3` /
 * `AWS_ENDPOINT_URL`) selects an S3-compatible store, with path-style
 * addressing. Listing is paginated; fetches are retried with backoff on
 * throttling, 5xx and dropped connections. Needs `--allow-net`,
 * `--allow-env` and `--allow-read` (AWS config files).
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
  /** Retries of each request: attempts and backoff. Default 5 attempts, 200 ms base. */
  retry?: RetryOptions;
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
  #client: Promise<S3Client> | undefined;

  /**
   * @param url `s3://bucket/prefix`.
   * @param options Endpoint, region, credentials, concurrency, paging, retries.
   * @example
   * ```ts ignore
   * // Needs an S3 server (here an S3-compatible one on the local machine).
   * import { S3ImageSource } from "./s3_source.ts";
   * const source = new S3ImageSource("s3://my-bucket/pets", { endpoint: "http://127.0.0.1:9000" });
   * const items = await source.list();
   * await source.close();
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
  #explain(e: unknown, what: string): Error {
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
    return new ImageDataError(
      `${where}: ${what} failed: ${code ? `${code}: ` : ""}${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }

  #retry<T>(op: () => Promise<T>): Promise<T> {
    return withRetry(op, isRetryableS3Error, this.#options.retry);
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
      const page = await this.#retry(() =>
        client.send(
          new m.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: this.#options.pageSize ?? 1000,
            ContinuationToken: token,
          }),
        )
      ).catch((e) => {
        throw this.#explain(e, "listing");
      });
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
    const bytes = await this.#retry(async () => {
      const out = await client.send(
        new m.GetObjectCommand({ Bucket: this.#where.bucket, Key: item.id }),
      );
      if (!out.Body) throw new Error(`s3://${this.#where.bucket}/${item.id}: empty response body`);
      return await out.Body.transformToByteArray();
    }).catch((e) => {
      throw e instanceof ImageDataError ? e : this.#explain(e, `reading ${item.id}`);
    });
    return { kind: "encoded", bytes };
  }

  /** Closes the client's connections. */
  async close(): Promise<void> {
    if (this.#client) (await this.#client).destroy();
    this.#client = undefined;
  }
}
