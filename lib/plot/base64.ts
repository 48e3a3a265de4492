/**
 * Base64 encoding of bytes (for `image/png` in Jupyter MIME bundles).
 *
 * @module
 */

/**
 * Encodes bytes as standard base64 (with padding).
 *
 * @param bytes The data.
 * @returns The base64 text.
 * @example
 * ```ts
 * import { encodeBase64 } from "./base64.ts";
 * encodeBase64(new Uint8Array([104, 105])); // "aGk="
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let s = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(s);
}
