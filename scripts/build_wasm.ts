/**
 * Compiles lib/kernels/simd_kernels.wat into lib/kernels/simd_kernels.ts (the wasm
 * bytes as base64), so the library needs no compiler at run time. Run it
 * after editing the .wat: `deno task build:wasm`. tests/simd_kernels_test.ts
 * checks that the committed bytes match the source.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { compileSimdKernels, renderSimdKernelsModule } from "./wasm_compile.ts";

const out = fileURLToPath(new URL("../lib/kernels/simd_kernels.ts", import.meta.url));
const bytes = await compileSimdKernels();
await Deno.writeTextFile(out, renderSimdKernelsModule(bytes));
console.log(`wrote ${out} (${bytes.length} bytes of wasm)`);
