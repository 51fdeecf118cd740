/**
 * The gradient registry lives in `@farsight/env` (its DeepFM user model differentiates through the same
 * kernels, and env cannot depend on this package); re-exported here so `initBackend` and this package's
 * users keep one import.
 */
export { registerGradients, differentiableKernels } from "@farsight/env/tf-gradients";
