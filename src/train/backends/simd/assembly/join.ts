// Joining and cutting rows of 32-bit words for GradFlow's wasm kernels (see ./kernels.ts,
// which exports them): a concatenation (Concat) and one part of a cut (SplitV) on any axis,
// and the rows ./relu.ts joins with its ReLU on the way. Words are copied as they are, so
// float32 and int32 tensors alike keep every bit (a NaN's payload included).

/**
 * Row r of each of `count` inputs in turn, for r = 0 to rows - 1, into `out`, written once,
 * front to back. `table` holds, per input, its data's byte offset and its row width in
 * words, as two u32. With `relu`, each word goes through i32 max(w, 0) (tfjs's wasm Relu
 * to the bit: a word with its sign bit set becomes +0). Inlined into each caller, where
 * `relu` is a constant.
 */
@inline export function joinRows(table: usize, count: i32, out: usize, rows: i32, relu: bool): void {
  const zero = i32x4.splat(0);
  let to = out;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < count; i++) {
      const width = <i32>load<u32>(table + (<usize>i << 3) + 4);
      const from = <usize>load<u32>(table + (<usize>i << 3)) + (<usize>r * <usize>width << 2);
      let j = 0;
      for (; j + 4 <= width; j += 4) {
        const at = <usize>j << 2;
        const v = v128.load(from + at);
        v128.store(to + at, relu ? i32x4.max_s(v, zero) : v);
      }
      for (; j < width; j++) {
        const at = <usize>j << 2;
        const w = load<i32>(from + at);
        store<i32>(to + at, relu ? max(w, 0) : w);
      }
      to += <usize>width << 2;
    }
  }
}

/**
 * The concatenation of `count` inputs: `rows` is the product of the axes before the
 * concatenation's, each input's row width the product of its axes from it on.
 */
export function concat(table: usize, count: i32, out: usize, rows: i32): void {
  joinRows(table, count, out, rows, false);
}

/**
 * One part of a cut: words begin..begin+width-1 of each of the `rows` rows of x (rows of
 * `stride` words) into `out` [rows, width].
 */
export function sliceColumns(x: usize, out: usize, rows: i32, stride: i32, begin: i32, width: i32): void {
  let to = out;
  for (let r = 0; r < rows; r++) {
    const from = x + ((<usize>r * <usize>stride + <usize>begin) << 2);
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const at = <usize>j << 2;
      v128.store(to + at, v128.load(from + at));
    }
    for (; j < width; j++) {
      const at = <usize>j << 2;
      store<i32>(to + at, load<i32>(from + at));
    }
    to += <usize>width << 2;
  }
}
