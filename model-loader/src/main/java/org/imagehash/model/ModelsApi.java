package org.imagehash.model;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the models API says and accepts, the same in every engine: a model's description in the listing, and the
 * {@code _encode} body. The engines' REST handlers and transport actions are thin layers over this.
 */
public final class ModelsApi {

    private ModelsApi() {}

    /** One model in {@code GET …/models}, with the keys and order the API shows. */
    public static Map<String, Object> describe(ModelRegistry.ModelInfo info) {
        ModelManifest m = info.manifest();
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("height", m.height());
        input.put("width", m.width());
        input.put("channels", m.channels());
        input.put("colour_mode", m.colourMode().name().toLowerCase(Locale.ROOT));
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", info.id());
        model.put("source", info.source());
        model.put("manifest_id", m.id());
        model.put("bits", m.bits());
        model.put("input", input);
        model.put("method", m.method());
        model.put("dataset", m.dataset());
        model.put("map_all", m.mapAll());
        model.put("loaded", info.loaded());
        model.put("device", info.device());
        return model;
    }

    /**
     * The largest {@code _encode} body that can hold an image of {@code maxImageBytes} (base64 takes 4 bytes per 3):
     * a larger one is refused before it is parsed, where the JSON parser's own string limit would answer as a server
     * error.
     */
    public static long maxEncodeBodyBytes(long maxImageBytes) {
        return maxImageBytes / 3 * 4 + 4096;
    }

    public static String encodeBodyTooLarge(long bodyBytes, long maxImageBytes) {
        return "[_encode] body of " + bodyBytes + " bytes is larger than an image of image_hash.image.max_bytes [" + maxImageBytes
            + "] can be in base64";
    }

    /** The base64 image of an {@code _encode} body, {@code {"image": "<base64>"}}. */
    public static String imageOfEncodeBody(Map<String, Object> body) {
        for (String key : body.keySet()) {
            if (key.equals("image") == false) {
                throw new IllegalArgumentException("[_encode] does not support [" + key + "]; the body is {\"image\": \"<base64>\"}");
            }
        }
        if (body.get("image") instanceof String image) {
            return image;
        }
        throw new IllegalArgumentException("[_encode] [image] must be a base64 string, got [" + body.get("image") + "]");
    }

    /**
     * Whether {@code e} (or a cause) is the JSON parser's refusal of an over-long string: Jackson's
     * {@code StreamConstraintsException} (Jackson 2 in most engine lines, Jackson 3 in OpenSearch 3.9; matched by name
     * so that one check serves both). The engines' parsers cap strings (OpenSearch: 50,000,000 characters,
     * {@code opensearch.xcontent.string.length.max}), and such a refusal otherwise surfaces as a 500.
     */
    public static boolean isStringTooLong(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getSimpleName().equals("StreamConstraintsException")) {
                return true;
            }
        }
        return false;
    }

    /** The message for an {@code image} too long for the parser: it names the node's image limit, which it is far above. */
    public static String imageTooLongToParse(String what, long maxImageBytes, Throwable parserError) {
        return what + " is too large: images may be at most image_hash.image.max_bytes [" + maxImageBytes + "] bytes ("
            + "about " + (maxImageBytes + 2) / 3 * 4 + " characters of base64), and this one is longer than the JSON parser accepts ("
            + parserError.getMessage() + ")";
    }
}
