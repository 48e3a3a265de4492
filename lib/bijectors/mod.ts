/**
 * Every bijector of the toolkit. Importing this module registers every
 * bijector type with {@link bijectorFromConfig}, so a saved flow of any
 * architecture can be rebuilt from its config (`lib/io/model_io.ts`
 * imports it for that reason). A new bijector module must be added here;
 * `tests/bijector_registry_test.ts` fails for a registered type without a
 * case in the bijector test harness.
 *
 * @example
 * ```ts
 * import { bijectorFromConfig, Chain, Permute, registeredBijectorTypes } from "./mod.ts";
 * const config = new Chain([Permute.reverse(2)]).config();
 * const again = bijectorFromConfig(JSON.parse(JSON.stringify(config)));
 * console.log(again.type, registeredBijectorTypes().length > 10); // chain true
 * ```
 *
 * @module
 */
export * from "./bijector.ts";
export * from "./chain.ts";
export * from "./permute.ts";
export * from "./batch_norm.ts";
export * from "./act_norm.ts";
export * from "./coupling.ts";
export * from "./affine_coupling.ts";
export * from "./spline_coupling.ts";
export * from "./context_embedding.ts";
export * from "./squeeze.ts";
export * from "./invertible_conv1x1.ts";
export * from "./affine_map.ts";
export * from "./unit_triangular.ts";
export * from "./glow_coupling.ts";
export * from "./logit.ts";
export * from "./multiscale.ts";
export * from "./conditional_affine.ts";
