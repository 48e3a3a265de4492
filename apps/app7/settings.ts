/**
 * Application 7's problem from its params: the grid, stations, prior box, noise and true
 * model as {@link TomographySettings}, the methods asked for, and every bad field named
 * before any work starts.
 *
 * @module
 */
import type { Params } from "../../lib/params/mod.ts";
import { circleStations, TravelTimeModel } from "../../lib/problems/travel_time.ts";
import {
  type TomographySettings,
  tomographySettingsErrors,
} from "../../lib/problems/travel_time_tomography.ts";

/** The posterior methods of application 7, in the order they run. */
export const APP7_METHODS = ["mcmc", "vi", "cinn", "inn"] as const;

/**
 * What `all` runs: every method but the maximum-likelihood INN, whose maps are not yet usable at
 * the default training-set size (README, application 7); ask for it with `inn` or `all,inn`.
 */
export const APP7_DEFAULT_METHODS: readonly App7Method[] = ["mcmc", "vi", "cinn"];

/** One posterior method. */
export type App7Method = typeof APP7_METHODS[number];

/** Noise σ of the travel times when `run.noise_sigma` is not set, s. */
export const DEFAULT_NOISE_SIGMA = 0.05;

/**
 * The methods `run.method` asks for (`all`, one name, or a comma-separated list; `all` in a list
 * stands for {@link APP7_DEFAULT_METHODS}).
 * @param method The field's value.
 * @returns The methods in run order, or an error message naming the field.
 * @example
 * ```ts
 * import { parseMethods } from "./settings.ts";
 * parseMethods("vi,mcmc"); // ["mcmc", "vi"]
 * parseMethods("all,inn"); // ["mcmc", "vi", "cinn", "inn"]
 * ```
 */
export function parseMethods(method: string): App7Method[] | string {
  const names = method.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
    .flatMap((s) => (s === "all" ? [...APP7_DEFAULT_METHODS] : [s]));
  const bad = names.filter((n) => !(APP7_METHODS as readonly string[]).includes(n));
  if (names.length === 0 || bad.length) {
    return `run.method (--method) must be vi, cinn, inn, mcmc, a comma-separated list of ` +
      `them, or all (mcmc, vi, cinn), got ${JSON.stringify(method)}`;
  }
  return APP7_METHODS.filter((m) => names.includes(m));
}

/**
 * The tomography problem the params describe (without checking it).
 * @param params Validated params.
 * @returns Plain settings (they cross to workers).
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { tomographySettingsFromParams } from "./settings.ts";
 * tomographySettingsFromParams(loadParams("app7", [])).model.nodesX; // 21
 * ```
 */
export function tomographySettingsFromParams(params: Params): TomographySettings {
  const r = params.run;
  return {
    model: {
      nodesX: r.grid_nodes[0],
      nodesY: r.grid_nodes[1],
      nodeSpacing: r.grid_spacing,
      origin: [r.grid_origin[0], r.grid_origin[1]],
      refinement: r.grid_refinement,
      order: r.eikonal_order === 2 ? 2 : 1,
      stations: circleStations(r.stations, r.station_radius),
    },
    low: r.velocity_bounds[0],
    high: r.velocity_bounds[1],
    noiseSigma: r.noise_sigma ?? DEFAULT_NOISE_SIGMA,
    trueModel: {
      background: r.true_velocity[0],
      anomaly: r.true_velocity[1],
      center: [r.true_disc[0], r.true_disc[1]],
      radius: r.true_disc[2],
    },
    seed: r.seed,
  };
}

/**
 * What is wrong with the params for application 7, one message per problem, each naming
 * its field: the method list, the lengths of the array fields, the prior box, the noise,
 * the true model, and stations that fall outside the grid.
 * @param params Validated params.
 * @returns Messages (empty when the params fit).
 * @example
 * ```ts
 * import { loadParams } from "../../lib/params/mod.ts";
 * import { app7ParamsErrors } from "./settings.ts";
 * app7ParamsErrors(loadParams("app7", ["--set", "run.velocity_bounds=[3,0.5]"])); // one message
 * ```
 */
export function app7ParamsErrors(params: Params): string[] {
  const r = params.run, errors: string[] = [];
  const methods = parseMethods(r.method);
  if (typeof methods === "string") errors.push(methods);
  const lengths: [string, number[], number][] = [
    ["run.grid_nodes", r.grid_nodes, 2],
    ["run.grid_origin", r.grid_origin, 2],
    ["run.velocity_bounds", r.velocity_bounds, 2],
    ["run.true_velocity", r.true_velocity, 2],
    ["run.true_disc", r.true_disc, 3],
  ];
  for (const [name, value, n] of lengths) {
    if (value.length !== n) {
      errors.push(`${name} must have ${n} values, got ${value.length} (${JSON.stringify(value)})`);
    }
  }
  const t = params.training;
  if (
    t.vi_start === "gauss_newton" && (t.vi_box_map !== "normal" || !params.model_arch.vi_full_rank)
  ) {
    errors.push(
      `training.vi_start gauss_newton starts the flow at a Laplace approximation in the normal ` +
        `map's coordinates with its full covariance: it needs training.vi_box_map normal (got ` +
        `${t.vi_box_map}) and model_arch.vi_full_rank true (got ${params.model_arch.vi_full_rank})`,
    );
  }
  if (errors.length) return errors;
  const settings = tomographySettingsFromParams(params);
  const fieldOf: Record<string, string> = {
    "prior's lower": "run.velocity_bounds",
    "prior's upper": "run.velocity_bounds",
    "noise σ": "run.noise_sigma",
    "true model's background": "run.true_velocity",
    "true model's anomaly": "run.true_velocity",
    "true model's disc": "run.true_disc",
  };
  for (const message of tomographySettingsErrors(settings)) {
    const key = Object.keys(fieldOf).find((k) => message.includes(k));
    errors.push(`${key ? fieldOf[key] : "params"}: ${message}`);
  }
  try {
    new TravelTimeModel(settings.model);
  } catch (error) {
    errors.push(
      `run.grid_nodes/grid_spacing/grid_origin/stations/station_radius: ${
        (error as Error).message
      }`,
    );
  }
  return errors;
}
