/**
 * Imported first by every app's entry file, for its effect: when the entry
 * was started without the permissions every app needs
 * ({@link ./permissions.ts appStartPermissions}), prints which flags are
 * missing and to run `deno task appN`, and exits with code 2 — before any
 * other module of the app is evaluated (the wasm backend would otherwise
 * fail first with an Emscripten abort). Modules other than an app entry file
 * import it without effect.
 *
 * @example
 * ```ts
 * import "./require_permissions.ts"; // no effect outside an app's entry file
 * ```
 *
 * @module
 */
import {
  appOfEntryFile,
  missingPermissionsMessage,
  missingStartPermissions,
} from "./permissions.ts";

const app = appOfEntryFile(Deno.mainModule);
if (app !== null) {
  const missing = missingStartPermissions();
  if (missing.length > 0) {
    console.error(missingPermissionsMessage(app, missing));
    Deno.exit(2);
  }
}
