/**
 * Figures of application 5 (the planar robot arm), as Vega-Lite specs built
 * from plain arrays: posterior arm poses drawn over each other for a target
 * end point, one panel per posterior (reference and models), as in Kruse et
 * al. 2021; the end points those poses reach; and the posterior-quality
 * numbers per model.
 *
 * @module
 */
import { barChart, concatPlots, type VegaLiteSpec } from "../../lib/plot/mod.ts";
import { VEGA_LITE_SCHEMA } from "../../lib/plot/style.ts";
import type { LabelledSamples } from "../inverse/inn_figures.ts";
import type { RobotArm } from "../../lib/problems/robot_arm.ts";

/** Colours of the three segments, from the rail outwards (light to dark). */
export const SEGMENT_COLORS: readonly string[] = ["#9ecae1", "#4292c6", "#08306b"];
/** Colour of the target mark. */
export const TARGET_COLOR = "#d62728";

/** Options of {@link armPosesPanel}. */
export interface ArmPosesOptions {
  /** Panel title. */
  title: string;
  /** Smaller second title line. */
  subtitle?: string;
  /** Most poses drawn (the first ones). Default 400. */
  maxPoses?: number;
  /** Stroke opacity of each segment. Default 0.08 (many poses overlap). */
  opacity?: number;
  /** x domain. Default [−0.4, 2.3]. */
  xDomain?: [number, number];
  /** y domain. Default {@link armYDomain} of the target alone. */
  yDomain?: [number, number];
  /** Width of the panel in pixels (the height follows for equal scales). Default 240. */
  size?: number;
}

/** Default x domain of the arm panels (the rail is at x = 0, the arm reaches to 2). */
export const ARM_X_DOMAIN: [number, number] = [-0.4, 2.3];

/**
 * A y domain for the arm panels of one target: the vertical extent of the
 * reference poses' joints (or, without poses, of the rail origin and the
 * target), padded, and at least as tall as {@link ARM_X_DOMAIN} is wide.
 * @param arm The arm.
 * @param target The target end point.
 * @param poses Reference poses `[n × 4]` (the first 400 are used), if any.
 * @returns `[low, high]`.
 */
export function armYDomain(
  arm: RobotArm,
  target: ArrayLike<number>,
  poses?: ArrayLike<number>,
): [number, number] {
  let lo = Math.min(0, target[1]), hi = Math.max(0, target[1]);
  const n = poses ? Math.min(Math.floor(poses.length / 4), 400) : 0;
  for (let i = 0; i < n; i++) {
    for (const [, y] of arm.joints(poses!, i)) {
      if (Number.isFinite(y)) {
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
    }
  }
  const minSpan = ARM_X_DOMAIN[1] - ARM_X_DOMAIN[0];
  const span = Math.max(minSpan, (hi - lo) * 1.15);
  const mid = (lo + hi) / 2;
  return [mid - span / 2, mid + span / 2];
}

/**
 * One panel of arm poses: every pose drawn as three thin, semi-transparent
 * segments from the rail through the joints to the end point, the rail as a
 * dotted line, and the target end point as a red cross.
 * @param arm The arm (segment lengths).
 * @param poses Poses `[n × 4]`, row-major.
 * @param target The target end point `y*`.
 * @param options Title, number of poses drawn, opacity, domains, size.
 * @returns The spec.
 * @example
 * ```ts
 * import { RobotArm } from "../../lib/problems/robot_arm.ts";
 * import { armPosesPanel } from "./robot_arm_figures.ts";
 * const arm = new RobotArm();
 * const ref = arm.abcPosterior([1.6, 0.2], 200, { epsilon: 0.02, seed: 1 });
 * const spec = armPosesPanel(arm, ref.samples, [1.6, 0.2], { title: "reference" });
 * ```
 */
export function armPosesPanel(
  arm: RobotArm,
  poses: ArrayLike<number>,
  target: ArrayLike<number>,
  options: ArmPosesOptions,
): VegaLiteSpec {
  const n = Math.min(Math.floor(poses.length / 4), options.maxPoses ?? 400);
  const rows: { x: number; y: number; x2: number; y2: number; s: string }[] = [];
  for (let i = 0; i < n; i++) {
    const j = arm.joints(poses, i);
    if (!j.every(([a, b]) => Number.isFinite(a) && Number.isFinite(b))) continue;
    for (let k = 0; k < 3; k++) {
      rows.push({
        x: j[k][0],
        y: j[k][1],
        x2: j[k + 1][0],
        y2: j[k + 1][1],
        s: `segment ${k + 1}`,
      });
    }
  }
  const xDomain = options.xDomain ?? ARM_X_DOMAIN;
  const yDomain = options.yDomain ?? armYDomain(arm, target);
  const size = options.size ?? 240;
  // Equal scales on both axes: the panel is as much taller than wide as its domain.
  const height = Math.round(size * (yDomain[1] - yDomain[0]) / (xDomain[1] - xDomain[0]));
  const scale = (domain: [number, number]) => ({ domain, nice: false, zero: false });
  const cross = 0.12;
  const tx = target[0], ty = target[1];
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: options.title, ...(options.subtitle ? { subtitle: options.subtitle } : {}) },
    width: size,
    height,
    layer: [
      {
        data: { values: [{ x: 0, y: yDomain[0], x2: 0, y2: yDomain[1] }] },
        mark: { type: "rule", color: "#999", strokeDash: [2, 3], strokeWidth: 1, clip: true },
        encoding: {
          x: { field: "x", type: "quantitative", scale: scale(xDomain), title: "horizontal" },
          y: { field: "y", type: "quantitative", scale: scale(yDomain), title: "vertical" },
          x2: { field: "x2" },
          y2: { field: "y2" },
        },
      },
      {
        data: { values: rows },
        mark: {
          type: "rule",
          strokeWidth: 1,
          strokeOpacity: options.opacity ?? 0.08,
          clip: true,
          aria: false,
        },
        encoding: {
          x: { field: "x", type: "quantitative", scale: scale(xDomain) },
          y: { field: "y", type: "quantitative", scale: scale(yDomain) },
          x2: { field: "x2" },
          y2: { field: "y2" },
          color: {
            field: "s",
            type: "nominal",
            scale: { domain: ["segment 1", "segment 2", "segment 3"], range: SEGMENT_COLORS },
            legend: null,
          },
        },
      },
      {
        data: {
          values: [
            { x: tx - cross, y: ty, x2: tx + cross, y2: ty },
            { x: tx, y: ty - cross, x2: tx, y2: ty + cross },
          ],
        },
        mark: { type: "rule", color: TARGET_COLOR, strokeWidth: 1.6, clip: true },
        encoding: {
          x: { field: "x", type: "quantitative", scale: scale(xDomain) },
          y: { field: "y", type: "quantitative", scale: scale(yDomain) },
          x2: { field: "x2" },
          y2: { field: "y2" },
        },
      },
    ],
  };
}

/** One row of {@link armPosteriorFigure}: a target and its posterior samples. */
export interface ArmPosteriorRow {
  /** The target end point `y*`. */
  target: ArrayLike<number>;
  /** Reference first, then the models. */
  sets: LabelledSamples[];
  /** A note per set (same order), e.g. its MMD; shown under the panel title. */
  notes?: string[];
}

/**
 * Posterior arm poses for a few targets: one row per target, one panel per
 * posterior (the reference first), poses drawn over each other.
 * @param arm The arm.
 * @param rows Targets with their posterior samples.
 * @param options Figure title, poses per panel, panel size.
 * @returns The spec.
 */
export function armPosteriorFigure(
  arm: RobotArm,
  rows: ArmPosteriorRow[],
  options: { title?: string; maxPoses?: number; size?: number } = {},
): VegaLiteSpec {
  const panels: VegaLiteSpec[] = [];
  const columns = Math.max(1, ...rows.map((r) => r.sets.length));
  rows.forEach((row, r) => {
    const yDomain = armYDomain(arm, row.target, row.sets[0]?.samples);
    row.sets.forEach((set, i) => {
      const y = row.target;
      const where = `y* = (${y[0].toFixed(2)}, ${y[1].toFixed(2)})`;
      panels.push(armPosesPanel(arm, set.samples, y, {
        yDomain,
        title: i === 0 ? `target ${r + 1}: ${set.label}` : set.label,
        subtitle: i === 0 ? [where, row.notes?.[i]].filter(Boolean).join(", ") : row.notes?.[i],
        maxPoses: options.maxPoses,
        size: options.size,
      }));
    });
  });
  return concatPlots(panels, {
    columns,
    title: options.title ?? "Posterior arm poses p(x | y*): reference and models",
    spacing: 16,
  });
}

/** Options of {@link endPointsFigure}. */
export interface EndPointsOptions {
  /** Figure title. */
  title?: string;
  /** Half-width of each panel around the target. Default: the 95th percentile distance, at least 0.02. */
  radius?: number;
  /** Most end points per panel. Default 1000. */
  maxPoints?: number;
  /** Tolerance ε of the reference, drawn as a circle. */
  epsilon?: number;
  /** Panel side in pixels. Default 220. */
  size?: number;
}

function percentile(values: number[], q: number): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
}

/**
 * The end points `f(x̂)` reached by the posterior samples of each source for
 * one target, zoomed on the target: how exactly each posterior re-simulates y*.
 * @param arm The arm.
 * @param target The target `y*`.
 * @param sets Reference first, then the models.
 * @param options Title, zoom radius, number of points, ε, size.
 * @returns The spec (one panel per source, all on the same scale).
 */
export function endPointsFigure(
  arm: RobotArm,
  target: ArrayLike<number>,
  sets: LabelledSamples[],
  options: EndPointsOptions = {},
): VegaLiteSpec {
  const max = options.maxPoints ?? 1000;
  const ends = sets.map((s) => {
    const n = Math.min(Math.floor(s.samples.length / 4), max);
    const pts: { x: number; y: number; d: number }[] = [];
    for (let i = 0; i < n; i++) {
      const [a, b] = arm.endPoint(s.samples, 4 * i);
      pts.push({ x: a, y: b, d: Math.hypot(a - target[0], b - target[1]) });
    }
    return pts;
  });
  const radius = options.radius ??
    Math.max(0.02, ...ends.map((p) => percentile(p.map((q) => q.d), 0.95)));
  const xDomain: [number, number] = [target[0] - radius, target[0] + radius];
  const yDomain: [number, number] = [target[1] - radius, target[1] + radius];
  const scale = (domain: [number, number]) => ({ domain, nice: false, zero: false });
  const size = options.size ?? 220;
  const panels = sets.map((s, i) => {
    const pts = ends[i];
    const mean = pts.reduce((a, p) => a + p.d, 0) / Math.max(1, pts.length);
    const outside = pts.filter((p) =>
      Math.max(Math.abs(p.x - target[0]), Math.abs(p.y - target[1])) > radius
    ).length;
    const layers: VegaLiteSpec[] = [
      {
        data: { values: pts.map(({ x, y }) => ({ x, y })) },
        mark: {
          type: "circle",
          size: 9,
          // fill-opacity only: Vega-Lite's default SVG opacity (0.7) on a thousand markers
          // makes the PNG many times slower to rasterise.
          fillOpacity: 0.32,
          opacity: null,
          color: s.color ?? "#4c78a8",
          clip: true,
        },
        encoding: {
          x: { field: "x", type: "quantitative", scale: scale(xDomain), title: "y₁" },
          y: { field: "y", type: "quantitative", scale: scale(yDomain), title: "y₂" },
        },
      },
      {
        data: { values: [{ x: target[0], y: target[1] }] },
        mark: { type: "point", shape: "cross", size: 160, color: TARGET_COLOR, filled: true },
        encoding: {
          x: { field: "x", type: "quantitative", scale: scale(xDomain) },
          y: { field: "y", type: "quantitative", scale: scale(yDomain) },
        },
      },
    ];
    if (options.epsilon && i === 0) {
      const circle = Array.from({ length: 61 }, (_, k) => {
        const t = (2 * Math.PI * k) / 60;
        return {
          x: target[0] + options.epsilon! * Math.cos(t),
          y: target[1] + options.epsilon! * Math.sin(t),
          k,
        };
      });
      layers.push({
        data: { values: circle },
        mark: { type: "line", color: "#555", strokeDash: [3, 2], strokeWidth: 1 },
        encoding: {
          x: { field: "x", type: "quantitative", scale: scale(xDomain) },
          y: { field: "y", type: "quantitative", scale: scale(yDomain) },
          order: { field: "k", type: "quantitative" },
        },
      });
    }
    return {
      $schema: VEGA_LITE_SCHEMA,
      title: {
        text: s.label,
        subtitle: `mean ‖f(x̂) − y*‖ = ${mean.toPrecision(2)}` +
          (outside ? `; ${outside} of ${pts.length} outside` : ""),
      },
      width: size,
      height: size,
      layer: layers,
    };
  });
  return concatPlots(panels, {
    columns: panels.length,
    title: options.title ??
      `End points reached by the posterior poses, y* = (${target[0].toFixed(2)}, ${
        target[1].toFixed(2)
      })`,
    spacing: 16,
  });
}

/** One model's numbers for {@link armMetricsFigure}. */
export interface ArmModelSummary {
  /** Display name. */
  label: string;
  /** Posterior MMD² against the reference, averaged over targets. */
  mmd2: number;
  /** Mean ‖f(x̂) − y*‖, averaged over targets. */
  resimulation: number;
}

/**
 * Bar chart (log scale) of the posterior MMD² and the re-simulation error of each model.
 * @param models Averaged numbers per model.
 * @param reference Re-simulation error of the reference itself (its ε floor), if known.
 * @returns The spec.
 */
export function armMetricsFigure(models: ArmModelSummary[], reference?: number): VegaLiteSpec {
  const bars = models.flatMap((m) => [
    { group: "posterior MMD²", name: m.label, value: m.mmd2 },
    { group: "‖f(x̂) − y*‖", name: m.label, value: m.resimulation },
  ]);
  if (reference !== undefined) {
    bars.push({ group: "‖f(x̂) − y*‖", name: "reference (ABC)", value: reference });
  }
  return barChart({
    bars,
    logY: true,
    title: "Posterior quality, averaged over the test targets",
    subtitle: "lower is better; MMD² in raw parameter units, ‖f(x̂) − y*‖: re-simulation error",
    yLabel: "value (log scale)",
    width: 380,
    height: 280,
  });
}
