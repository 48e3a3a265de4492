/**
 * Retries with exponential backoff and full jitter, and the rule for which
 * S3 errors are worth retrying (throttling, 5xx, dropped connections).
 *
 * @module
 */

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Attempts in total, at least 1. Default 5. */
  maxAttempts?: number;
  /** Backoff base: attempt k waits up to `baseDelayMs · 2^(k−1)`. Default 200. */
  baseDelayMs?: number;
  /** Upper bound of one wait. Default 10 000. */
  maxDelayMs?: number;
  /** Uniform [0, 1) source of the jitter. Default `Math.random` (timing only, not data). */
  random?: () => number;
  /** Waits `ms`; replaceable in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `op` until it succeeds, a failure is not retryable, or the attempts
 * are used up; the last error is rethrown.
 * @param op The operation; receives the attempt number (1, 2, …).
 * @param isRetryable Which errors to retry.
 * @param options Attempts and backoff.
 * @returns What `op` returns.
 * @example
 * ```ts
 * import { withRetry } from "./retry.ts";
 * let n = 0;
 * const v = await withRetry(async () => {
 *   if (++n < 3) throw new Error("busy");
 *   return n;
 * }, () => true, { baseDelayMs: 1 }); // 3
 * ```
 */
export async function withRetry<T>(
  op: (attempt: number) => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.maxAttempts ?? 5;
  if (!(Number.isInteger(attempts) && attempts >= 1)) {
    throw new Error(`maxAttempts must be a positive integer, got ${attempts}`);
  }
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? delay;
  for (let attempt = 1;; attempt++) {
    try {
      return await op(attempt);
    } catch (e) {
      if (attempt >= attempts || !isRetryable(e)) throw e;
      const ms = random() * Math.min(cap, base * 2 ** (attempt - 1));
      options.onRetry?.(attempt, e, ms);
      await sleep(ms);
    }
  }
}

const THROTTLING = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
]);

const NETWORK =
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|socket hang up|connection (reset|closed|error)|TimeoutError|premature close|aborted/i;

/**
 * Whether an S3 (AWS SDK) error is transient: throttling, a 5xx status, a
 * timeout (an error named `TimeoutError`, e.g. a server that does not
 * answer in time) or a dropped connection. Client errors (4xx: missing bucket,
 * denied access, missing key) are not.
 * @param error A caught value.
 * @returns True when retrying may help.
 * @example
 * ```ts
 * import { isRetryableS3Error } from "./retry.ts";
 * isRetryableS3Error({ name: "SlowDown", $metadata: { httpStatusCode: 503 } }); // true
 * isRetryableS3Error({ name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } }); // false
 * isRetryableS3Error(Object.assign(new Error("no answer in 10 s"), { name: "TimeoutError" })); // true
 * ```
 */
export function isRetryableS3Error(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  if (e.name === "TimeoutError") return true;
  if (THROTTLING.has(e.name ?? "") || THROTTLING.has(e.code ?? "")) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status === 429 || status >= 500;
  if (e.$retryable) return true;
  return NETWORK.test(`${e.name ?? ""} ${e.code ?? ""} ${e.message ?? ""}`);
}
