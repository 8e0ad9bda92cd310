/**
 * Loading hash models into a node, for any engine: model sources (the bundled default model, the config folder), the
 * {@code model.json} manifest, image decoding and Pillow-exact preprocessing, and the ONNX Runtime sessions that run
 * the models (CPU by default, CUDA when present). Engines supply privileged access; nothing here imports an engine.
 */
package org.imagehash.model;
