/** The names of GradFlow's own tfjs kernels: wasm's (simd/register.ts) and, for the first two, webgl's and webgpu's (gpuKernels.ts); the last webgl's alone (gpuKernels.ts). */
export const BIAS_GRAD_KERNEL = 'GradFlowBiasGrad';
export const RELU_GRAD_KERNEL = 'GradFlowReluGrad';
export const FILTER_GRAD_KERNEL = 'GradFlowConv2DFilterGrad';
export const PACKED_FILTER_KERNEL = 'GradFlowPackedFilter';
