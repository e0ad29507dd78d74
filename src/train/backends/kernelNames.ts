// The names of GradFlow's own tfjs kernels, and where each is registered.
/** wasm's (simd/register.ts), webgl's and webgpu's (gpuKernels.ts, webgpuGradKernels.ts). */
export const BIAS_GRAD_KERNEL = 'GradFlowBiasGrad';
/** wasm's (simd/register.ts), webgl's and webgpu's (gpuKernels.ts, webgpuGradKernels.ts). */
export const RELU_GRAD_KERNEL = 'GradFlowReluGrad';
/** wasm's (simd/register.ts), webgl's and webgpu's (gpuKernels.ts): tanh's and the sigmoid's gradients, each one pass. */
export const TANH_GRAD_KERNEL = 'GradFlowTanhGrad';
export const SIGMOID_GRAD_KERNEL = 'GradFlowSigmoidGrad';
/** webgpu's (webgpuGradKernels.ts): the bias and ReLU gradients in one program, for a convolution with its ReLU fused. */
export const RELU_BIAS_GRAD_KERNEL = 'GradFlowReluBiasGrad';
/** wasm's (simd/register.ts). */
export const FILTER_GRAD_KERNEL = 'GradFlowConv2DFilterGrad';
/** wasm's (wasmReluConcat.ts): the ReLU of each input, concatenated on the last axis; and the gradient of one of its inputs. */
export const RELU_CONCAT_KERNEL = 'GradFlowReluConcat';
export const SLICE_RELU_GRAD_KERNEL = 'GradFlowSliceReluGrad';
/** webgl's (gpuKernels.ts). */
export const PACKED_FILTER_KERNEL = 'GradFlowPackedFilter';
/** webgpu's and webgl's (gpuLoss.ts): a head's mean softmax cross-entropy and accuracy in one program, and the cross-entropy's gradient. */
export const SOFTMAX_CE_KERNEL = 'GradFlowSoftmaxCrossEntropy';
export const SOFTMAX_CE_GRAD_KERNEL = 'GradFlowSoftmaxCrossEntropyGrad';
