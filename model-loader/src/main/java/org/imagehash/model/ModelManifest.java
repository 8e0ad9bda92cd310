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
 * @param geometry    orientation, resize and crop, before normalisation
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
    Double mapAll,
    Geometry geometry
) {

    /** A manifest without the geometry keys: stretch + bilinear, no crop, EXIF orientation ignored. */
    public ModelManifest(
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
        this(id, bits, inputName, outputName, height, width, colourMode, mean, std, method, dataset, mapAll, Geometry.STRETCH_BILINEAR);
    }

    /** How the decoded image is resized (Pillow's filters, reimplemented exactly in {@link PilResize}). */
    public enum ResizeRule {
        /** to exactly height x width, ignoring the aspect ratio; skipped at native size */
        STRETCH,
        /** the shorter side to {@code size}, the longer to {@code (int) (size * long / short)} (torchvision's Resize(int)) */
        SHORTER_SIDE
    }

    /** Pillow's resampling filters; both widen their support when reducing (antialiasing). */
    public enum Interpolation {
        BILINEAR(1.0),
        BICUBIC(2.0);

        private final double support;

        Interpolation(double support) {
            this.support = support;
        }

        double support() {
            return support;
        }

        /** Pillow's filter kernels: triangle, and Keys' cubic with a = -0.5. */
        double filter(double x) {
            x = Math.abs(x);
            if (this == BILINEAR) {
                return x < 1.0 ? 1.0 - x : 0.0;
            }
            final double a = -0.5;
            if (x < 1.0) {
                return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            }
            if (x < 2.0) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0.0;
        }
    }

    /**
     * The geometric steps, in order: EXIF orientation (Pillow's {@code ImageOps.exif_transpose}), resize, centre crop.
     *
     * @param resize           the resize rule
     * @param resizeSize       for {@link ResizeRule#SHORTER_SIDE}: the shorter side's length after resizing; else 0
     * @param interpolation    the resampling filter
     * @param crop             centre crop to crop x crop (torchvision's CenterCrop offsets); 0 for none
     * @param exifOrientation  whether the EXIF orientation tag (JPEG, PNG, WebP) is applied first
     */
    public record Geometry(ResizeRule resize, int resizeSize, Interpolation interpolation, int crop, boolean exifOrientation) {
        public static final Geometry STRETCH_BILINEAR = new Geometry(ResizeRule.STRETCH, 0, Interpolation.BILINEAR, 0, false);
    }

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
        int height = in.positiveInt("height");
        int width = in.positiveInt("width");
        Geometry geometry = geometry(in, height, width);
        Reader o = r.child(onnx, "onnx");
        Object evaluation = json.get("evaluation");
        Double mapAll = evaluation instanceof Map<?, ?> e && e.get("map_all") instanceof Number n ? n.doubleValue() : null;
        return new ModelManifest(
            r.string("id"),
            bits,
            o.string("input_name"),
            o.string("output_name"),
            height,
            width,
            colourMode,
            mean,
            std,
            json.get("method") instanceof String s ? s : null,
            json.get("dataset") instanceof String s ? s : null,
            mapAll,
            geometry
        );
    }

    /** input.resize, input.crop and input.exif_orientation; each absent key keeps the old meaning (stretch, bilinear, none, false). */
    private static Geometry geometry(Reader in, int height, int width) {
        ResizeRule rule = ResizeRule.STRETCH;
        Interpolation interpolation = Interpolation.BILINEAR;
        int resizeSize = 0;
        if (in.json().get("resize") != null) {
            Reader resize = in.child(in.object("resize"), "resize");
            rule = resize.choice("rule", ResizeRule.class, ResizeRule.STRETCH);
            interpolation = resize.choice("interpolation", Interpolation.class, Interpolation.BILINEAR);
            if (rule == ResizeRule.SHORTER_SIDE) {
                resizeSize = resize.positiveInt("size");
            }
        }
        int crop = 0;
        if (in.json().get("crop") != null) {
            Reader c = in.child(in.object("crop"), "crop");
            if ("centre".equals(c.string("type")) == false) {
                throw c.error("type", "must be [centre]", c.json().get("type"));
            }
            crop = c.positiveInt("size");
            if (crop != height || crop != width) {
                throw c.error("size", "must equal input.height and input.width (" + height + "x" + width + ")", crop);
            }
        }
        if (rule == ResizeRule.SHORTER_SIDE) {
            if (crop == 0) {
                throw in.error("crop", "is required with resize rule [shorter_side] (the model takes one fixed size)", null);
            }
            if (resizeSize < crop) {
                throw in.error("resize", "size must be at least the crop size " + crop, resizeSize);
            }
        }
        Object exif = in.json().get("exif_orientation");
        if (exif != null && exif instanceof Boolean == false) {
            throw in.error("exif_orientation", "must be true or false", exif);
        }
        return new Geometry(rule, resizeSize, interpolation, crop, Boolean.TRUE.equals(exif));
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

        /** An optional lowercase enum value; absent means {@code absent}. */
        <E extends Enum<E>> E choice(String key, Class<E> type, E absent) {
            Object value = json.get(key);
            if (value == null) {
                return absent;
            }
            for (E e : type.getEnumConstants()) {
                if (e.name().toLowerCase(Locale.ROOT).equals(value)) {
                    return e;
                }
            }
            List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
            throw error(key, "must be one of " + names, value);
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
