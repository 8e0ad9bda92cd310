"""ONNX export, the model.json manifest, golden vectors, and the packaging of all three."""
