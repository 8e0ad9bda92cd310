/**
 * Loading hash models into a node: model folders ({@code model.onnx} + {@code model.json} manifest),
 * the bundled default model, and the ONNX Runtime sessions that run them (CPU by default, CUDA when present).
 *
 * <p>Filled by the model-loading issue; the module exists now so that the build layout is fixed.
 */
package org.imagehash.model;
