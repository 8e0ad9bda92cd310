"""model.json: everything a consumer (the Java plugin) needs to turn an image into the model's hash code."""
import numpy as np

from vithash.export.onnx_export import INPUT_NAME, OPSET, OUTPUT_NAME

FORMAT_VERSION = 1


def code_bytes(outputs):
    """Outputs [N, K] -> packed codes [N, K/8] uint8: bit = output > 0, bit i -> byte i//8, MSB first."""
    return np.packbits(np.asarray(outputs) > 0, axis=1)


def code_hex(outputs_row):
    return code_bytes(np.asarray(outputs_row)[None])[0].tobytes().hex()


def build_manifest(model_id, bits, method, channels, height, width, mean, std, dataset, training, evaluation,
                   architecture, class_names):
    return {
        "format_version": FORMAT_VERSION,
        "id": model_id,
        "bits": bits,
        "method": method,
        "onnx": {"file": "model.onnx", "opset": OPSET, "input_name": INPUT_NAME, "output_name": OUTPUT_NAME,
                 "input_shape": ["batch", channels, height, width], "output_shape": ["batch", bits],
                 "input_type": "float32", "layout": "NCHW"},
        "input": {
            "height": height, "width": width, "channels": channels,
            "colour_mode": "grey" if channels == 1 else "rgb",
            "grey_conversion": "luma = 0.299 R + 0.587 G + 0.114 B, rounded to 8 bits (PIL convert('L'))",
            "resize": {"rule": "stretch", "interpolation": "bilinear",
                       "note": "images not already height x width are resized to exactly height x width, "
                               "ignoring aspect ratio; images of native size are used as they are"},
            "scale": "pixel / 255.0",
            "mean": list(mean), "std": list(std),
            "normalisation": "value = (pixel / 255.0 - mean[c]) / std[c]",
        },
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
