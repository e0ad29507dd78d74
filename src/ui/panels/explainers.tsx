/**
 * The few plain lines under each panel title: how to read the panel, and the GoogLeNet
 * facts it shows (why three softmaxes, the 0.3 weight, inference without aux heads, vanishing).
 */

/** Under "The network": why three softmaxes, the 0.3 weight. */
export const NETWORK_EXPLAINER = (
  <p>
    GoogLeNet is deep for 2014, so its authors feared the gradient would fade before reaching the middle.
    They added <b>two small side classifiers</b> (after inception 4a and 4d): each has its own softmax whose
    loss, weighted <b>0.3</b>, pushes extra gradient into the middle. Colour = gradient size. <b>Click a side
    branch</b> to switch it on or off.
  </p>
);

/** Under "Gradient by depth": what vanishing looks like. */
export const DEPTH_EXPLAINER = (
  <p>
    How much gradient each depth gets, input on the left, output on the right, on a log scale (each gridline is
    10×). A line that <b>drops towards the left</b> means the gradient vanishes before it reaches the early layers.
    The ratio chart is A ÷ B: above 1, model A's layers get more.
  </p>
);

/** Under "Gradient over time". */
export const HEATMAP_EXPLAINER = (
  <p>
    The same profile over time: each column is a step, each row a depth (input at the top). Dark rows that stay dark
    are layers that barely learn. Ticks on the time axis mark settings changed mid-run.
  </p>
);

/** Under "Where the gradient comes from". */
export const HEADS_EXPLAINER = (
  <p>
    Where each layer's gradient comes from: the main softmax at the end, or the side classifiers. Side heads only
    reach layers below where they attach. Measured every few steps (one backward pass per head).
  </p>
);

/** Under "Loss and accuracy": aux heads are dropped at inference. */
export const CURVES_EXPLAINER = (
  <p>
    Each head's loss and accuracy. The side heads are only a training aid: at inference GoogLeNet <b>drops them</b> and
    only the main head decides, so compare the main lines. In <i>probe</i> mode a side head learns to read the
    features but sends no gradient back.
  </p>
);

