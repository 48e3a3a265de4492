/**
 * The Deno permissions each application needs before it can do anything —
 * read its params file and the wasm backend under `node_modules/`, read the
 * environment, ask the system for its memory — checked without prompting, so
 * that an app started with plain `deno run` says which `--allow-…` flag is
 * missing and to use `deno task appN`, instead of failing inside the wasm
 * loader. Imported for its effect by `require_permissions.ts`, the first
 * import of every app's entry file.
 *
 * Permissions a run needs only for some inputs (network for `s3://`, reading
 * a CSV outside the project, FFI for the optional native BLAS, writing a
 * chosen output folder) are checked where those inputs are known.
 *
 * @module
 */

/** One permission an app cannot start without. */
export interface RequiredPermission {
  /** The command-line flag that grants it, as `deno task` passes it. */
  flag: string;
  /** The permission as {@link Deno.permissions} asks for it. */
  descriptor: Deno.PermissionDescriptor;
  /** What the app needs it for. */
  why: string;
}

const projectPath = (relative: string) => new URL(`../../${relative}`, import.meta.url);

/**
 * The permissions every application needs at start (the same for apps 1–7;
 * each app's `deno.json` task grants these and a few more that depend on
 * its inputs).
 * @returns The permissions, flags and reasons.
 * @example
 * ```ts
 * import { appStartPermissions } from "./permissions.ts";
 * console.log(appStartPermissions().map((p) => p.flag)); // ["--allow-read=params", …]
 * ```
 */
export function appStartPermissions(): RequiredPermission[] {
  return [
    {
      flag: "--allow-read=params",
      descriptor: { name: "read", path: projectPath("params") },
      why: "its params file",
    },
    {
      flag: "--allow-read=node_modules",
      descriptor: { name: "read", path: projectPath("node_modules") },
      why: "the TensorFlow.js wasm backend",
    },
    {
      flag: "--allow-env",
      descriptor: { name: "env" },
      why: "settings such as FLOW_MODELS_BACKEND",
    },
    { flag: "--allow-sys", descriptor: { name: "sys" }, why: "the machine's memory and cores" },
  ];
}

/**
 * The start-up permissions this process was not granted (asked without a prompt).
 * @returns The missing ones; empty when the app may start.
 * @example
 * ```ts
 * import { missingStartPermissions } from "./permissions.ts";
 * console.log(missingStartPermissions().length); // 0 under `deno test --allow-all`
 * ```
 */
export function missingStartPermissions(): RequiredPermission[] {
  return appStartPermissions().filter((p) =>
    Deno.permissions.querySync(p.descriptor).state !== "granted"
  );
}

/**
 * The message an app prints when it lacks start-up permissions.
 * @param app The app's task name, e.g. `app1`.
 * @param missing The missing permissions.
 * @returns Several lines: the flags, what each is for, and the task to run instead.
 * @example
 * ```ts
 * import { appStartPermissions, missingPermissionsMessage } from "./permissions.ts";
 * console.log(missingPermissionsMessage("app1", appStartPermissions()));
 * ```
 */
export function missingPermissionsMessage(app: string, missing: RequiredPermission[]): string {
  return [
    `${app} cannot start: it was run without permissions it needs:`,
    ...missing.map((p) => `  ${p.flag}  (${p.why})`),
    `Run it as \`deno task ${app} …\` from the project folder: the task grants exactly ` +
    `what ${app} needs (see deno.json).`,
  ].join("\n");
}

/**
 * The app task an entry file belongs to, from its file name
 * (`apps/app1_distribution_mapping.ts` → `app1`); null for other modules.
 * @param mainModule A module URL, e.g. `Deno.mainModule`.
 * @returns `appN` or null.
 * @example
 * ```ts
 * import { appOfEntryFile } from "./permissions.ts";
 * appOfEntryFile("file:///p/apps/app4_parameter_estimation.ts"); // "app4"
 * ```
 */
export function appOfEntryFile(mainModule: string): string | null {
  const m = /\/apps\/(app\d+)_[a-z_]+\.ts$/.exec(mainModule);
  return m ? m[1] : null;
}
