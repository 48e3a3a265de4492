/**
 * A worker that fits members of application 7's variational ensemble
 * ({@link ./variational_member.ts}), one per request, with its own backend; the main thread
 * loads the saved members. Protocol: {@link ../common/worker_pool.ts}.
 *
 * @module
 */
import { initBackend } from "../../lib/kernels/mod.ts";
import { TravelTimeTomography } from "../../lib/problems/travel_time_tomography.ts";
import type { TomographySettings } from "../../lib/problems/travel_time_tomography.ts";
import { workerProgress } from "../common/worker_pool.ts";
import { fitVariationalMember, type MemberSpec } from "./variational_member.ts";

/** What the worker is asked to do. */
export interface MemberRequest {
  /** The problem (its observation is rebuilt from the settings' seed). */
  settings: TomographySettings;
  /** The member. */
  spec: MemberSpec;
  /** The backend to start. */
  backend: string;
}

/** The worker's global scope, as far as it is used here. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<MemberRequest>) => void) | null;
  postMessage(message: unknown): void;
};

let cached: { key: string; problem: TravelTimeTomography } | null = null;

scope.onmessage = async (event) => {
  const { settings, spec, backend } = event.data;
  const progress = workerProgress((m) => scope.postMessage(m));
  try {
    await initBackend(backend);
    const key = JSON.stringify(settings);
    if (cached?.key !== key) cached = { key, problem: new TravelTimeTomography(settings) };
    const report = await fitVariationalMember(cached.problem, spec, progress);
    scope.postMessage({ kind: "done", result: report });
  } catch (e) {
    scope.postMessage({ kind: "error", message: (e as Error).message ?? String(e) });
  }
};
scope.postMessage({ kind: "ready" });
