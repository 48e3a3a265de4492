/**
 * A script that imports nothing of the toolkit but `lib/io/model_io.ts` and
 * loads a saved flow: every bijector type must be known from that import
 * alone (tests/model_io_test.ts runs it in a fresh process).
 *
 * Usage: deno run --allow-read --allow-env tests/load_flow_with_model_io_only.ts DIR
 * Prints JSON: the flow's context width, 4 samples (seed 3; a conditional flow
 * gets the condition 0.5 in every column, one row broadcast to all samples) and
 * their log-densities.
 *
 * @module
 */
import { loadFlow } from "../lib/io/model_io.ts";

const flow = await loadFlow(Deno.args[0]);
const contextDim = flow.contextDim;
// A [1, contextDim] tensor of 0.5 from tensor methods alone (no tf import).
const anchor = flow.base.sample(1, 0);
const context = contextDim > 0
  ? anchor.slice([0, 0], [1, 1]).mul(0).add(0.5).tile([1, contextDim]).as2D(1, contextDim)
  : undefined;
const x = flow.sample(4, { seed: 3, ...(context ? { context } : {}) });
const logProb = flow.logProb(x, context ? { context } : {});
console.log(JSON.stringify({
  contextDim,
  x: await x.array(),
  logProb: Array.from(await logProb.data()),
}));
flow.dispose();
