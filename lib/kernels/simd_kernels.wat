;; SIMD kernels that run directly on the tfjs wasm backend's heap (its
;; memory is imported), for elementwise work that tfjs would dispatch as many
;; small kernels or that a JavaScript loop computes one float64 at a time.
;; Compiled by scripts/build_wasm.ts into simd_kernels.ts; do not edit that file.
(module
  (import "env" "memory" (memory 1))

  ;; Adam, in place: for i < n,
  ;;   g = grad[i] * gscale
  ;;   m[i] = b1 m[i] + (1 - b1) g
  ;;   v[i] = b2 v[i] + (1 - b2) g²
  ;;   w[i] -= alpha m[i] / (√v[i] + eps)
  ;; Pointers are byte offsets of float32 arrays.
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $alpha f32) (param $b1 f32) (param $b2 f32) (param $eps f32) (param $gscale f32)
    (local $i i32) (local $end4 i32) (local $off i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $alpha4 v128) (local $b14 v128) (local $c14 v128) (local $b24 v128) (local $c24 v128)
    (local $eps4 v128) (local $gs4 v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $alpha4 (f32x4.splat (local.get $alpha)))
    (local.set $b14 (f32x4.splat (local.get $b1)))
    (local.set $c14 (f32x4.splat (f32.sub (f32.const 1) (local.get $b1))))
    (local.set $b24 (f32x4.splat (local.get $b2)))
    (local.set $c24 (f32x4.splat (f32.sub (f32.const 1) (local.get $b2))))
    (local.set $eps4 (f32x4.splat (local.get $eps)))
    (local.set $gs4 (f32x4.splat (local.get $gscale)))
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (f32x4.mul (v128.load align=4 (i32.add (local.get $g) (local.get $off)))
                                  (local.get $gs4)))
        (local.set $mv (f32x4.add
          (f32x4.mul (local.get $b14) (v128.load align=4 (i32.add (local.get $m) (local.get $off))))
          (f32x4.mul (local.get $c14) (local.get $gv))))
        (local.set $vv (f32x4.add
          (f32x4.mul (local.get $b24) (v128.load align=4 (i32.add (local.get $v) (local.get $off))))
          (f32x4.mul (local.get $c24) (f32x4.mul (local.get $gv) (local.get $gv)))))
        (v128.store align=4 (i32.add (local.get $m) (local.get $off)) (local.get $mv))
        (v128.store align=4 (i32.add (local.get $v) (local.get $off)) (local.get $vv))
        (v128.store align=4 (i32.add (local.get $w) (local.get $off))
          (f32x4.sub
            (v128.load align=4 (i32.add (local.get $w) (local.get $off)))
            (f32x4.div (f32x4.mul (local.get $alpha4) (local.get $mv))
                       (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $eps4)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop4)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.mul (f32.load (i32.add (local.get $g) (local.get $off)))
                                (local.get $gscale)))
        (local.set $ms (f32.add
          (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $off))))
          (f32.mul (f32.sub (f32.const 1) (local.get $b1)) (local.get $gs))))
        (local.set $vs (f32.add
          (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $off))))
          (f32.mul (f32.sub (f32.const 1) (local.get $b2))
                   (f32.mul (local.get $gs) (local.get $gs)))))
        (f32.store (i32.add (local.get $m) (local.get $off)) (local.get $ms))
        (f32.store (i32.add (local.get $v) (local.get $off)) (local.get $vs))
        (f32.store (i32.add (local.get $w) (local.get $off))
          (f32.sub
            (f32.load (i32.add (local.get $w) (local.get $off)))
            (f32.div (f32.mul (local.get $alpha) (local.get $ms))
                     (f32.add (f32.sqrt (local.get $vs)) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop))))

  ;; Σ x[i]² over a float32 array, accumulated in float64 (two f64x2
  ;; accumulators) so long sums keep their precision.
  (func (export "sum_of_squares") (param $x i32) (param $n i32) (result f64)
    (local $i i32) (local $end4 i32) (local $xv v128) (local $lo v128) (local $hi v128)
    (local $acc0 v128) (local $acc1 v128) (local $s f64) (local $xs f64)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $xv (v128.load align=4
          (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $xv)))
        (local.set $hi (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $xv) (local.get $xv))))
        (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $lo) (local.get $lo))))
        (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $hi) (local.get $hi))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop4)))
    (local.set $acc0 (f64x2.add (local.get $acc0) (local.get $acc1)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $acc0))
                           (f64x2.extract_lane 1 (local.get $acc0))))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $xs (f64.promote_f32 (f32.load
          (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $s (f64.add (local.get $s) (f64.mul (local.get $xs) (local.get $xs))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop)))
    (local.get $s))
  ;; y[r, c] += bias[c] for a row-major [rows, cols] matrix, then, when relu
  ;; is non-zero, y = max(y, 0): the epilogue of a dense layer after its gemm.
  (func (export "bias_act") (param $y i32) (param $bias i32) (param $rows i32) (param $cols i32)
    (param $relu i32)
    (local $r i32) (local $c i32) (local $row i32) (local $end4 i32) (local $v v128) (local $s f32)
    (local.set $end4 (i32.and (local.get $cols) (i32.const -4)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $y)
          (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $done4
          (loop $loop4
            (br_if $done4 (i32.ge_u (local.get $c) (local.get $end4)))
            (local.set $v (f32x4.add
              (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))
              (v128.load align=4 (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2))))))
            (if (local.get $relu)
              (then (local.set $v (f32x4.max (local.get $v) (v128.const f32x4 0 0 0 0)))))
            (v128.store align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))
              (local.get $v))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $loop4)))
        (block $done
          (loop $loop
            (br_if $done (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $s (f32.add
              (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))
              (f32.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2))))))
            (if (local.get $relu)
              (then (local.set $s (f32.max (local.get $s) (f32.const 0)))))
            (f32.store (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))
              (local.get $s))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $loop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop))))

  ;; out[i] = y[i] > 0 ? dy[i] : 0 (the gradient through a ReLU, given its output y).
  (func (export "relu_grad") (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $off i32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (v128.store align=4 (i32.add (local.get $out) (local.get $off))
          (v128.and
            (v128.load align=4 (i32.add (local.get $dy) (local.get $off)))
            (f32x4.gt (v128.load align=4 (i32.add (local.get $y) (local.get $off)))
                      (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop4)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (local.get $out) (local.get $off))
          (select
            (f32.load (i32.add (local.get $dy) (local.get $off)))
            (f32.const 0)
            (f32.gt (f32.load (i32.add (local.get $y) (local.get $off))) (f32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop))))

  ;; out[c] = Σ_r x[r, c] for a row-major [rows, cols] matrix (a bias gradient).
  (func (export "column_sums") (param $x i32) (param $rows i32) (param $cols i32) (param $out i32)
    (local $r i32) (local $c i32) (local $row i32) (local $end4 i32) (local $p i32)
    (local.set $end4 (i32.and (local.get $cols) (i32.const -4)))
    ;; Zero the output, then add the rows into it.
    (block $zdone
      (loop $zloop
        (br_if $zdone (i32.ge_u (local.get $c) (local.get $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (f32.const 0))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $zloop)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $x)
          (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
        (local.set $c (i32.const 0))
        (block $done4
          (loop $loop4
            (br_if $done4 (i32.ge_u (local.get $c) (local.get $end4)))
            (local.set $p (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))
            (v128.store align=4 (local.get $p)
              (f32x4.add (v128.load align=4 (local.get $p))
                (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $loop4)))
        (block $done
          (loop $loop
            (br_if $done (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $p (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))
            (f32.store (local.get $p)
              (f32.add (f32.load (local.get $p))
                (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $loop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop))))

  ;; dst[i] = src[i] for i < n floats (four at a time, then the rest).
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $off i32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (v128.store align=4 (i32.add (local.get $dst) (local.get $off))
          (v128.load align=4 (i32.add (local.get $src) (local.get $off))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop4)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (f32.store (i32.add (local.get $dst) (local.get $off))
          (f32.load (i32.add (local.get $src) (local.get $off))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop))))

  ;; dst[i] = 0 for i < n floats.
  (func $zero (param $dst i32) (param $n i32)
    (local $i i32)
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (f32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop))))

  ;; dst[i] += src[i] for i < n floats.
  (func $add_into (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $p i32) (local $q i32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4
      (loop $loop4
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $q (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))
        (v128.store align=4 (local.get $p)
          (f32x4.add (v128.load align=4 (local.get $p)) (v128.load align=4 (local.get $q))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loop4)))
    (block $done
      (loop $loop
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $q (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))
        (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (f32.load (local.get $q))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loop))))

  ;; Patch matrix of SAME, stride-1, k×k convolution (k odd, r = (k − 1) / 2)
  ;; of NHWC images x [n, h, w, c]: out[(b, i, j), (a, e, ch)] =
  ;; x[b, i + a − r, j + e − r, ch], zero outside the image; out is
  ;; [n·h·w, k·k·c] row-major.
  (func (export "im2col") (param $x i32) (param $n i32) (param $h i32) (param $w i32)
    (param $c i32) (param $k i32) (param $out i32)
    (local $r i32) (local $b i32) (local $i i32) (local $j i32) (local $a i32) (local $e i32)
    (local $yy i32) (local $xx i32) (local $dst i32) (local $rowBytes i32)
    (local.set $r (i32.shr_u (i32.sub (local.get $k) (i32.const 1)) (i32.const 1)))
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $dst (local.get $out))
    (local.set $b (i32.const 0))
    (block $b_done (loop $b_loop
      (br_if $b_done (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $i_done (loop $i_loop
        (br_if $i_done (i32.ge_u (local.get $i) (local.get $h)))
        (local.set $j (i32.const 0))
        (block $j_done (loop $j_loop
          (br_if $j_done (i32.ge_u (local.get $j) (local.get $w)))
          (local.set $a (i32.const 0))
          (block $a_done (loop $a_loop
            (br_if $a_done (i32.ge_u (local.get $a) (local.get $k)))
            (local.set $yy (i32.sub (i32.add (local.get $i) (local.get $a)) (local.get $r)))
            (local.set $e (i32.const 0))
            (block $e_done (loop $e_loop
              (br_if $e_done (i32.ge_u (local.get $e) (local.get $k)))
              (local.set $xx (i32.sub (i32.add (local.get $j) (local.get $e)) (local.get $r)))
              (if (i32.and (i32.lt_u (local.get $yy) (local.get $h))
                           (i32.lt_u (local.get $xx) (local.get $w)))
                (then (call $copy (local.get $dst)
                  (i32.add (local.get $x) (i32.mul (local.get $rowBytes)
                    (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h))
                                               (local.get $yy)) (local.get $w))
                             (local.get $xx))))
                  (local.get $c)))
                (else (call $zero (local.get $dst) (local.get $c))))
              (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
              (local.set $e (i32.add (local.get $e) (i32.const 1)))
              (br $e_loop)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $a_loop)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $j_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $i_loop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $b_loop))))

  ;; Adjoint of im2col (scatter-add of a patch matrix back onto the image):
  ;; out[b, i, j, ch] = Σ_{a,e} cols[(b, i − a + r, j − e + r), (a, e, ch)] over
  ;; the source pixels inside the image. cols is [n·h·w, k·k·c], out [n, h, w, c].
  (func (export "col2im") (param $cols i32) (param $n i32) (param $h i32) (param $w i32)
    (param $c i32) (param $k i32) (param $out i32)
    (local $r i32) (local $b i32) (local $i i32) (local $j i32) (local $a i32) (local $e i32)
    (local $yy i32) (local $xx i32) (local $dst i32) (local $rowBytes i32) (local $tapFloats i32)
    (local.set $r (i32.shr_u (i32.sub (local.get $k) (i32.const 1)) (i32.const 1)))
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $tapFloats (i32.mul (i32.mul (local.get $k) (local.get $k)) (local.get $c)))
    (local.set $dst (local.get $out))
    (local.set $b (i32.const 0))
    (block $b_done (loop $b_loop
      (br_if $b_done (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $i_done (loop $i_loop
        (br_if $i_done (i32.ge_u (local.get $i) (local.get $h)))
        (local.set $j (i32.const 0))
        (block $j_done (loop $j_loop
          (br_if $j_done (i32.ge_u (local.get $j) (local.get $w)))
          (call $zero (local.get $dst) (local.get $c))
          (local.set $a (i32.const 0))
          (block $a_done (loop $a_loop
            (br_if $a_done (i32.ge_u (local.get $a) (local.get $k)))
            (local.set $yy (i32.add (i32.sub (local.get $i) (local.get $a)) (local.get $r)))
            (local.set $e (i32.const 0))
            (block $e_done (loop $e_loop
              (br_if $e_done (i32.ge_u (local.get $e) (local.get $k)))
              (local.set $xx (i32.add (i32.sub (local.get $j) (local.get $e)) (local.get $r)))
              (if (i32.and (i32.lt_u (local.get $yy) (local.get $h))
                           (i32.lt_u (local.get $xx) (local.get $w)))
                (then (call $add_into (local.get $dst)
                  (i32.add (local.get $cols) (i32.shl
                    (i32.add
                      (i32.mul (local.get $tapFloats)
                        (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h))
                                                   (local.get $yy)) (local.get $w))
                                 (local.get $xx)))
                      (i32.mul (i32.add (i32.mul (local.get $a) (local.get $k)) (local.get $e))
                               (local.get $c)))
                    (i32.const 2)))
                  (local.get $c))))
              (local.set $e (i32.add (local.get $e) (i32.const 1)))
              (br $e_loop)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $a_loop)))
          (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $j_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $i_loop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $b_loop))))
)
