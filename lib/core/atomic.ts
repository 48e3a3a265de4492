/**
 * Writes that never leave a half-written file or folder behind: content goes
 * to a temporary name in the same folder first and is then renamed into
 * place (a rename within one filesystem is atomic).
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

function tempName(path: string): string {
  const tag = `${Deno.pid}-${Date.now().toString(36)}-${
    Math.floor(Math.random() * 1e9).toString(36)
  }`;
  return join(dirname(path), `.${basename(path)}.tmp-${tag}`);
}

/**
 * Writes bytes or text to `path` atomically, creating the folder if needed.
 * @param path Destination file.
 * @param data Content.
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * await writeFileAtomic(await Deno.makeTempDir() + "/a.json", "{}");
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/**
 * Fills a fresh folder through `fill`, then moves it to `path`, replacing any
 * folder there only once the new one is complete.
 * @param path Destination folder.
 * @param fill Writes the folder's files into the temporary folder it is given.
 */
export async function writeDirAtomic(
  path: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = tempName(path);
  await Deno.mkdir(tmp);
  try {
    await fill(tmp);
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
  const old = tempName(path) + ".old";
  let hadOld = false;
  try {
    await Deno.rename(path, old);
    hadOld = true;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  await Deno.rename(tmp, path);
  if (hadOld) await Deno.remove(old, { recursive: true });
}

/**
 * @param path A file or folder.
 * @returns Whether it exists.
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
