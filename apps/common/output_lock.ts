/**
 * One run at a time per output folder. A run takes an exclusive lock on
 * `<output_dir>/run.lock` (an OS file lock, `flock`, which the system drops
 * when the process ends in any way, `kill -9` included) and writes its pid,
 * host, app and start time into the file; a second run on the same folder is
 * refused with the holder's details instead of mixing its outputs with the
 * first's. A lock file left by a run that ended without removing it (killed,
 * crashed) is not locked by anyone, so it is stale by construction: the next
 * run takes it over and says whose it was.
 *
 * @module
 */
import { join } from "node:path";

/** Name of the lock file inside an output folder. */
export const LOCK_FILE = "run.lock";

/** What a lock file says about its holder. */
export interface LockHolder {
  /** Process id. */
  pid: number;
  /** Host name (`unknown` without `--allow-sys`). */
  hostname: string;
  /** App, e.g. `app1`. */
  app: string;
  /** ISO time the run started. */
  started: string;
}

/** Thrown when another live run holds the folder. */
export class OutputInUseError extends Error {
  /** @param message What holds the folder and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "OutputInUseError";
  }
}

function describeHolder(h: Partial<LockHolder> | null): string {
  if (!h || typeof h.pid !== "number") return "a run that left no details";
  const ago = h.started ? Math.round((Date.now() - Date.parse(h.started)) / 1000) : NaN;
  return `${h.app ?? "an app"} (pid ${h.pid} on ${h.hostname ?? "?"}, started ${h.started ?? "?"}${
    Number.isFinite(ago) ? `, ${ago} s ago` : ""
  })`;
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

async function readHolderAt(path: string): Promise<Partial<LockHolder> | null> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trim() ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/**
 * An exclusive claim on an output folder for the length of a run.
 * @example
 * ```ts
 * import { OutputLock } from "./output_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = await OutputLock.acquire(dir, "app1");
 * await OutputLock.acquire(dir, "app1").catch((e) => console.log(e.message)); // … is in use by app1 (pid …)
 * await lock.release();
 * ```
 */
export class OutputLock {
  readonly #file: Deno.FsFile;
  readonly #path: string;
  readonly #dir: string;
  readonly #createdDir: boolean;
  /** The holder of a stale lock this run took over, if any. */
  readonly tookOverFrom: Partial<LockHolder> | null;

  private constructor(
    file: Deno.FsFile,
    path: string,
    dir: string,
    createdDir: boolean,
    tookOverFrom: Partial<LockHolder> | null,
  ) {
    this.#file = file;
    this.#path = path;
    this.#dir = dir;
    this.#createdDir = createdDir;
    this.tookOverFrom = tookOverFrom;
  }

  /**
   * Takes the lock on `dir` (creating the folder if needed).
   * @param dir The output folder.
   * @param app The app, recorded in the lock file.
   * @returns The held lock.
   * @throws {OutputInUseError} When another live process holds it.
   */
  static async acquire(dir: string, app: string): Promise<OutputLock> {
    let createdDir = false;
    try {
      await Deno.stat(dir);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      await Deno.mkdir(dir, { recursive: true });
      createdDir = true;
    }
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 5; attempt++) {
      const file = await Deno.open(path, { read: true, write: true, create: true });
      if (!(await file.tryLock(true))) {
        file.close();
        const holder = await readHolderAt(path);
        throw new OutputInUseError(
          `${dir} is in use by ${describeHolder(holder)}: two runs on one output folder would ` +
            `mix their results; wait for it to finish or choose another folder (--out)`,
        );
      }
      // The file may have been removed by its previous holder between our open and our lock:
      // then we hold a lock on a file no one else can see, and must open the path again.
      const [mine, current] = await Promise.all([
        file.stat(),
        Deno.stat(path).catch(() => null),
      ]);
      if (!current || current.ino !== mine.ino) {
        file.close();
        continue;
      }
      const stale = await readHolderAt(path);
      const holder: LockHolder = {
        pid: Deno.pid,
        hostname: hostname(),
        app,
        started: new Date().toISOString(),
      };
      await file.truncate(0);
      await file.seek(0, Deno.SeekMode.Start);
      await file.write(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
      return new OutputLock(file, path, dir, createdDir, stale);
    }
    throw new Error(`${path}: could not take the lock (the file kept being replaced)`);
  }

  /** A line about the stale lock taken over, or null. */
  get tookOverNote(): string | null {
    return this.tookOverFrom
      ? `note: ${this.#dir} had a lock left by ${
        describeHolder(this.tookOverFrom)
      }, which is no longer running; taken over`
      : null;
  }

  /** Removes the lock file and drops the lock; removes the folder if this run created it and left it empty. */
  async release(): Promise<void> {
    try {
      await Deno.remove(this.#path).catch(() => {});
    } finally {
      this.#file.close();
    }
    if (this.#createdDir) {
      await Deno.remove(this.#dir).catch(() => {}); // only succeeds when empty
    }
  }
}
