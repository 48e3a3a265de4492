/**
 * Image data for the image applications: sources (a local folder, an S3
 * prefix, MNIST-format IDX files) in the `train/<class>/`, `val/<class>/`
 * layout, decoding and resizing with sharp, seeded augmentation (flip, zoom,
 * rotation), and {@link ImageDataSource}, a prefetching training
 * `DataSource` that skips and counts unreadable files.
 *
 * Pixel values are float32, integer-valued 0..255 unless `rescale` is set,
 * so that uniform dequantisation noise can be added by the model.
 *
 * @example
 * ```ts
 * import { loadImageDataset } from "./mod.ts";
 * // A folder, "s3://bucket/prefix", or "idx:?normal=sneaker" (Debian's Fashion-MNIST files).
 * const data = await loadImageDataset("data/fashion_mnist", {
 *   imageShape: [28, 28, 1],
 *   augment: { horizontalFlip: true, zoomRange: 0.05, rotationRange: 5 },
 * });
 * for await (const batch of data.train.batches(64, null)) batch.x.dispose(); // x: [64, 28, 28, 1]
 * const { pixels, items } = await data.val!.loadAll(); // anomalies: data.anomalies[i]
 * console.log(data.counts, data.train.skipped);
 * await data.close();
 * ```
 *
 * @module
 */
export { ImageDataError } from "./errors.ts";
export * from "./source.ts";
export * from "./codec.ts";
export * from "./decode.ts";
export * from "./augment.ts";
export * from "./augmented_source.ts";
export * from "./folder_source.ts";
export * from "./s3_source.ts";
export * from "./idx.ts";
export * from "./idx_source.ts";
export * from "./idx_export.ts";
export * from "./fashion_mnist.ts";
export * from "./image_data_source.ts";
export * from "./open.ts";
