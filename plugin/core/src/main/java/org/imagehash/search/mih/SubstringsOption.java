package org.imagehash.search.mih;

import java.util.Map;

/**
 * The {@code substrings} mapping option of a {@code hash_code} field:
 *
 * <pre>
 * "code": {"type": "hash_code", "bits": 64, "substrings": {"enabled": true, "count": 4}}
 * </pre>
 *
 * {@code enabled} (default false) also indexes each code's substrings so that the {@code hamming} query can search by
 * multi-index hashing; {@code count} (default {@link SubstringLayout#defaultCount}: {@code bits / 16}) is the number
 * of substrings.
 */
public record SubstringsOption(boolean enabled, Integer count) {

    public static final String NAME = "substrings";
    public static final SubstringsOption DISABLED = new SubstringsOption(false, null);

    /** Parses the option's mapping value; errors name the field. */
    public static SubstringsOption parse(String field, Object value) {
        if ((value instanceof Map<?, ?>) == false) {
            throw new IllegalArgumentException(
                "[" + NAME + "] of field [" + field + "] must be an object like {\"enabled\": true, \"count\": 4}, got [" + value + "]"
            );
        }
        Map<?, ?> map = (Map<?, ?>) value;
        boolean enabled = false;
        Integer count = null;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            switch (key) {
                case "enabled" -> {
                    if (v instanceof Boolean b) {
                        enabled = b;
                    } else if ("true".equals(v) || "false".equals(v)) {
                        enabled = Boolean.parseBoolean((String) v);
                    } else {
                        throw new IllegalArgumentException("[" + NAME + ".enabled] of field [" + field + "] must be a boolean, got [" + v + "]");
                    }
                }
                case "count" -> {
                    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
                        count = ((Number) v).intValue();
                    } else {
                        throw new IllegalArgumentException("[" + NAME + ".count] of field [" + field + "] must be an integer, got [" + v + "]");
                    }
                }
                default -> throw new IllegalArgumentException(
                    "[" + NAME + "] of field [" + field + "] does not support [" + key + "]; use [enabled] and [count]"
                );
            }
        }
        if (count != null && enabled == false) {
            throw new IllegalArgumentException("[" + NAME + ".count] of field [" + field + "] needs [" + NAME + ".enabled: true]");
        }
        return new SubstringsOption(enabled, count);
    }

    /** The layout for a field of {@code bits} bits, null when disabled. */
    public SubstringLayout layout(int bits) {
        if (enabled == false) {
            return null;
        }
        return new SubstringLayout(bits, count == null ? SubstringLayout.defaultCount(bits) : count);
    }

    @Override
    public String toString() {
        return enabled ? "{enabled: true" + (count == null ? "" : ", count: " + count) + "}" : "{enabled: false}";
    }
}
