package org.imagehash.model;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's {@code model.json}: what the ONNX graph expects and how its outputs become a code. Written by the training
 * package ({@code src/vithash/export}); validated here key by key, so that a bad manifest fails with the key's name.
 *
 * @param id          the model's own id
 * @param bits        code length, a multiple of 8
 * @param inputName   the ONNX input (float32, NCHW, already normalised)
 * @param outputName  the ONNX output ({@code [batch, bits]} floats; bit i is 1 iff output i is > 0)
 * @param height      input height in pixels
 * @param width       input width in pixels
 * @param colourMode  how pixels become channels
 * @param mean        per-channel mean, applied to {@code pixel / 255}
 * @param std         per-channel standard deviation
 */
public record ModelManifest(
    String id,
    int bits,
    String inputName,
    String outputName,
    int height,
    int width,
    ColourMode colourMode,
    float[] mean,
    float[] std,
    String method,
    String dataset,
    Double mapAll
) {

    /** How a decoded image becomes the model's channels. */
    public enum ColourMode {
        /** one channel: luma of 8-bit RGB, {@code (19595 R + 38470 G + 7471 B + 32768) >> 16} (PIL's {@code convert('L')}) */
        GREY(1),
        /** three channels R, G, B */
        RGB(3);

        private final int channels;

        ColourMode(int channels) {
            this.channels = channels;
        }

        public int channels() {
            return channels;
        }
    }

    public int channels() {
        return colourMode.channels();
    }

    /**
     * Reads a parsed {@code model.json}.
     *
     * @param source names the manifest in errors, e.g. {@code "model [default]"}
     * @throws IllegalArgumentException naming the first bad or missing key
     */
    public static ModelManifest parse(Map<String, Object> json, String source) {
        Reader r = new Reader(json, source);
        int bits = r.positiveInt("bits");
        if (bits % 8 != 0 || bits > 4096) {
            throw r.error("bits", "must be a multiple of 8 up to 4096", bits);
        }
        Map<String, Object> onnx = r.object("onnx");
        Map<String, Object> input = r.object("input");
        Reader in = r.child(input, "input");
        String mode = in.string("colour_mode").toUpperCase(Locale.ROOT);
        ColourMode colourMode;
        try {
            colourMode = ColourMode.valueOf(mode);
        } catch (IllegalArgumentException e) {
            throw in.error("colour_mode", "must be one of [grey, rgb]", input.get("colour_mode"));
        }
        int channels = in.positiveInt("channels");
        if (channels != colourMode.channels()) {
            throw in.error("channels", "must be " + colourMode.channels() + " for colour_mode [" + mode.toLowerCase(Locale.ROOT) + "]", channels);
        }
        float[] mean = in.floats("mean", channels);
        float[] std = in.floats("std", channels);
        for (float s : std) {
            if (s <= 0) {
                throw in.error("std", "must be positive", input.get("std"));
            }
        }
        Object resize = input.get("resize");
        if (resize instanceof Map<?, ?> resizeMap) {
            Object rule = resizeMap.get("rule");
            Object interpolation = resizeMap.get("interpolation");
            if ("stretch".equals(rule) == false || "bilinear".equals(interpolation) == false) {
                throw in.error("resize", "only {rule: stretch, interpolation: bilinear} is supported", resize);
            }
        }
        Reader o = r.child(onnx, "onnx");
        Object evaluation = json.get("evaluation");
        Double mapAll = evaluation instanceof Map<?, ?> e && e.get("map_all") instanceof Number n ? n.doubleValue() : null;
        return new ModelManifest(
            r.string("id"),
            bits,
            o.string("input_name"),
            o.string("output_name"),
            in.positiveInt("height"),
            in.positiveInt("width"),
            colourMode,
            mean,
            std,
            json.get("method") instanceof String s ? s : null,
            json.get("dataset") instanceof String s ? s : null,
            mapAll
        );
    }

    /** Typed access to one JSON object, with errors that give the key's full path. */
    private record Reader(Map<String, Object> json, String source, String prefix) {
        Reader(Map<String, Object> json, String source) {
            this(json, source, "");
        }

        Reader child(Map<String, Object> object, String key) {
            return new Reader(object, source, prefix + key + ".");
        }

        IllegalArgumentException error(String key, String problem, Object value) {
            return new IllegalArgumentException(
                "model.json of " + source + ": [" + prefix + key + "] " + problem + (value == null ? "" : ", got [" + value + "]")
            );
        }

        Object required(String key) {
            Object value = json.get(key);
            if (value == null) {
                throw error(key, "is required", null);
            }
            return value;
        }

        String string(String key) {
            Object value = required(key);
            if (value instanceof String s && s.isEmpty() == false) {
                return s;
            }
            throw error(key, "must be a non-empty string", value);
        }

        int positiveInt(String key) {
            Object value = required(key);
            if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() > 0 && ((Number) value).longValue() < 1 << 20) {
                return ((Number) value).intValue();
            }
            throw error(key, "must be a positive integer", value);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> object(String key) {
            Object value = required(key);
            if (value instanceof Map<?, ?>) {
                return (Map<String, Object>) value;
            }
            throw error(key, "must be an object", value);
        }

        float[] floats(String key, int length) {
            Object value = required(key);
            if (value instanceof List<?> list && list.size() == length && list.stream().allMatch(v -> v instanceof Number)) {
                float[] result = new float[length];
                for (int i = 0; i < length; i++) {
                    result[i] = ((Number) list.get(i)).floatValue();
                }
                return result;
            }
            throw error(key, "must be an array of " + length + " numbers (one per channel)", value);
        }
    }
}
