package org.imagehash.search.mih;

import java.util.Map;

/**
 * The {@code substrings} mapping option of a {@code hash_code} field:
 *
 * <pre>
 * "code": {"type": "hash_code", "bits": 64, "substrings": {"enabled": true, "count": 4}}
 * </pre>
 *
 * {@code enabled} also indexes each code's substrings so that the {@code hamming} query can search by multi-index
 * hashing; {@code count} (default {@link SubstringLayout#defaultCount}: {@code bits / 16}) is the number of substrings.
 *
 * <p>A mapping that does not say ({@link #UNSET}) gets {@link #resolve the default for its width}: on up to
 * {@value #DEFAULT_MAX_BITS} bits, where the planner's probing pays on large segments and costs at most about the scan
 * elsewhere, off beyond. Mappers keep and serialize the resolved option, so a field's choice is fixed in its stored
 * mapping when it is created and a later change of this default cannot change it.
 */
public record SubstringsOption(Boolean enabled, Integer count) {

    public static final String NAME = "substrings";
    /** The mapping said nothing: {@link #resolve} picks the default for the field's width. */
    public static final SubstringsOption UNSET = new SubstringsOption(null, null);
    public static final SubstringsOption DISABLED = new SubstringsOption(false, null);
    /** Widest field that indexes substrings unless its mapping says otherwise. */
    public static final int DEFAULT_MAX_BITS = 256;

    /** Parses the option's mapping value; errors name the field. */
    public static SubstringsOption parse(String field, Object value) {
        if ((value instanceof Map<?, ?>) == false) {
            throw new IllegalArgumentException(
                "[" + NAME + "] of field [" + field + "] must be an object like {\"enabled\": true, \"count\": 4}, got [" + value + "]"
            );
        }
        Map<?, ?> map = (Map<?, ?>) value;
        Boolean enabled = null;
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
        if (count != null && Boolean.FALSE.equals(enabled)) {
            throw new IllegalArgumentException("[" + NAME + ".count] of field [" + field + "] cannot be set with [" + NAME + ".enabled: false]");
        }
        return new SubstringsOption(enabled, count);
    }

    /**
     * The option a field of {@code bits} bits gets: as written, or where {@code enabled} is not given, on up to
     * {@value #DEFAULT_MAX_BITS} bits (and whenever a {@code count} is given), off beyond.
     */
    public SubstringsOption resolve(int bits) {
        if (enabled != null) {
            return this;
        }
        return new SubstringsOption(count != null || bits <= DEFAULT_MAX_BITS, count);
    }

    /** The layout for a field of {@code bits} bits, null when it indexes no substrings. */
    public SubstringLayout layout(int bits) {
        SubstringsOption resolved = resolve(bits);
        if (resolved.enabled() == false) {
            return null;
        }
        return new SubstringLayout(bits, count == null ? SubstringLayout.defaultCount(bits) : count);
    }

    @Override
    public String toString() {
        if (enabled == null) {
            return count == null ? "{}" : "{count: " + count + "}";
        }
        return enabled ? "{enabled: true" + (count == null ? "" : ", count: " + count) + "}" : "{enabled: false}";
    }
}
