package org.imagehash.search.query;

import org.imagehash.search.HashCodeValues;

import java.util.List;
import java.util.Map;

/**
 * The {@code hamming} query's JSON parameters, read from plain values (strings, numbers, booleans, lists, maps) and
 * checked the same way in every engine; each engine reads the object's values and parses {@code filter} itself (an
 * inner query), then builds its query builder from this. Errors are {@link IllegalArgumentException}s that name the
 * parameter and say what came: wrong types are not coerced ({@code 10.5} is not a {@code k}).
 *
 * @param code the code when given as {@code code}; otherwise {@code image} (with an optional {@code modelId}) or
 *     {@code likeIndex} and {@code likeId} are set: exactly one source
 */
public record HammingQueryJson(
    String field,
    byte[] code,
    String image,
    String modelId,
    String likeIndex,
    String likeId,
    Integer k,
    Integer maxDistance,
    boolean ignoreUnmapped,
    float boost,
    String queryName
) {

    public static final String NAME = "hamming";
    /** Same ceiling as the default {@code index.max_result_window}: a shard never returns more. */
    public static final int MAX_K = 10_000;
    /** The parameters besides {@code filter}, which the engine parses as a query. */
    public static final List<String> PARAMETERS = List.of(
        "field",
        "code",
        "image",
        "model_id",
        "like",
        "k",
        "max_distance",
        "ignore_unmapped",
        "boost",
        "_name"
    );

    /** @param values the query object's members but {@code filter}, in any order */
    public static HammingQueryJson read(Map<String, Object> values) {
        for (String key : values.keySet()) {
            if (PARAMETERS.contains(key) == false) {
                throw error("query does not support [" + key + "]");
            }
        }
        String field = string(values, "field");
        if (field == null) {
            throw error("requires [field]");
        }
        byte[] code = values.containsKey("code") ? code(values.get("code")) : null;
        String image = string(values, "image");
        String modelId = string(values, "model_id");
        String[] like = values.containsKey("like") ? like(values.get("like")) : null;
        int sources = (code != null ? 1 : 0) + (image != null ? 1 : 0) + (like != null ? 1 : 0);
        if (sources == 0) {
            throw error("requires [code], [image] or [like]");
        }
        if (sources > 1) {
            throw error("requires exactly one of [code], [image] or [like]");
        }
        if (modelId != null && image == null) {
            throw error("[model_id] goes with [image]");
        }
        if (image != null && image.isEmpty()) {
            throw error("[image] must be a non-empty base64 string");
        }
        return new HammingQueryJson(
            field,
            code,
            image,
            modelId,
            like == null ? null : like[0],
            like == null ? null : like[1],
            checkK(integer(values, "k")),
            checkMaxDistance(integer(values, "max_distance")),
            bool(values, "ignore_unmapped"),
            boost(scalar(values, "boost")),
            string(values, "_name")
        );
    }

    /** @throws IllegalArgumentException when {@code k} is given and not in [1, {@value #MAX_K}] */
    public static Integer checkK(Integer k) {
        if (k != null && (k < 1 || k > MAX_K)) {
            throw error("[k] must be between 1 and " + MAX_K + ", got [" + k + "]");
        }
        return k;
    }

    /** @throws IllegalArgumentException when {@code maxDistance} is given and negative */
    public static Integer checkMaxDistance(Integer maxDistance) {
        if (maxDistance != null && maxDistance < 0) {
            throw error("[max_distance] must be >= 0, got [" + maxDistance + "]");
        }
        return maxDistance;
    }

    private static IllegalArgumentException error(String what) {
        return new IllegalArgumentException("[" + NAME + "] " + what);
    }

    private static byte[] code(Object value) {
        try {
            return HashCodeValues.parse(value);
        } catch (IllegalArgumentException e) {
            throw error("[code] must be a hex string or an array of integers in [-128, 255]; " + e.getMessage());
        }
    }

    private static String[] like(Object value) {
        if ((value instanceof Map<?, ?>) == false) {
            throw error("[like] must be an object {\"index\": ..., \"id\": ...}");
        }
        Map<?, ?> map = (Map<?, ?>) value;
        Object index = null;
        Object id = null;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            switch (String.valueOf(e.getKey())) {
                case "index" -> index = e.getValue();
                case "id" -> id = e.getValue();
                default -> throw error("[like] does not support [" + e.getKey() + "]");
            }
        }
        if ((index instanceof String) == false || index.toString().isEmpty() || id == null || id instanceof Map || id instanceof List
            || id.toString().isEmpty()) {
            throw error("[like] needs both [index] and [id]");
        }
        return new String[] { (String) index, id.toString() };
    }

    private static Object scalar(Map<String, Object> values, String name) {
        Object value = values.get(name);
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw error("[" + name + "] must be a value, got " + (value instanceof Map<?, ?> ? "an object" : "an array"));
        }
        return value;
    }

    private static String string(Map<String, Object> values, String name) {
        Object value = scalar(values, name);
        return value == null ? null : value.toString();
    }

    private static Integer integer(Map<String, Object> values, String name) {
        Object value = scalar(values, name);
        if (value == null) {
            return null;
        }
        if ((value instanceof Integer || value instanceof Long || value instanceof Short) == false) {
            throw error("[" + name + "] must be an integer, got [" + value + "]");
        }
        long v = ((Number) value).longValue();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error("[" + name + "] is out of range: [" + v + "]");
        }
        return (int) v;
    }

    private static boolean bool(Map<String, Object> values, String name) {
        Object value = scalar(values, name);
        if (value == null || value instanceof Boolean) {
            return Boolean.TRUE.equals(value);
        }
        if ("true".equals(value) || "false".equals(value)) {
            return Boolean.parseBoolean((String) value);
        }
        throw error("[" + name + "] has a value of the wrong type: [" + value + "] is not a boolean");
    }

    private static float boost(Object value) {
        if (value == null) {
            return 1f;
        }
        if (value instanceof Number n) {
            return n.floatValue();
        }
        try {
            return Float.parseFloat(value.toString());
        } catch (NumberFormatException e) {
            throw error("[boost] has a value of the wrong type: [" + value + "] is not a number");
        }
    }
}
