"""model.json: everything a consumer (the Java plugin) needs to turn an image into the model's hash code."""
import numpy as np

from vithash.export.onnx_export import INPUT_NAME, OPSET, OUTPUT_NAME

FORMAT_VERSION = 1


def code_bytes(outputs):
    """Outputs [N, K] -> packed codes [N, K/8] uint8: bit = output > 0, bit i -> byte i//8, MSB first."""
    return np.packbits(np.asarray(outputs) > 0, axis=1)


def code_hex(outputs_row):
    return code_bytes(np.asarray(outputs_row)[None])[0].tobytes().hex()


def build_manifest(model_id, bits, method, preprocessing, dataset, training, evaluation, architecture,
                   class_names):
    """preprocessing: a vithash.data.preprocessing.Preprocessing, written as the "input" object."""
    c, h, w = preprocessing.channels, preprocessing.height, preprocessing.width
    return {
        "format_version": FORMAT_VERSION,
        "id": model_id,
        "bits": bits,
        "method": method,
        "onnx": {"file": "model.onnx", "opset": OPSET, "input_name": INPUT_NAME, "output_name": OUTPUT_NAME,
                 "input_shape": ["batch", c, h, w], "output_shape": ["batch", bits],
                 "input_type": "float32", "layout": "NCHW"},
        "input": preprocessing.manifest_input(),
        "bit_rule": {
            "bit": "bit i is 1 iff output[i] > 0 (so 0.0 gives 0)",
            "packing": "bit i goes to byte i / 8, most significant bit first (numpy.packbits order)",
            "hex": "lowercase hex of the packed bytes, byte 0 first",
            "bytes": bits // 8,
        },
        "dataset": dataset,
        "classes": class_names,
        "training": training,
        "evaluation": evaluation,
        "architecture": architecture,
        "golden": {"file": "golden/golden.json"},
    }
