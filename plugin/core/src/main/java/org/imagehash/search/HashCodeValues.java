package org.imagehash.search;

import java.util.List;
import java.util.Map;

/**
 * Reads one hash code from what a user sent (a document's field, a query's {@code code}) and explains, in one
 * sentence, why a value is not one. The same rules serve indexing, fetching from {@code _source} and querying, so a
 * value that indexes is a value that queries.
 */
public final class HashCodeValues {

    private HashCodeValues() {}

    /**
     * Parses a code of any length: a hex string or an array of integers in [-128, 255]. Used where the expected
     * length is not known yet (a query is parsed before the mapping is seen).
     *
     * @throws IllegalArgumentException describing what came, as "got ..."
     */
    public static byte[] parse(Object value) {
        try {
            if (value instanceof String hex) {
                return HashCodes.fromHex(hex);
            }
            if (value instanceof List<?> list) {
                for (Object element : list) {
                    if (element instanceof List<?> || element instanceof String || element instanceof Map<?, ?>) {
                        throw new IllegalArgumentException(
                            "an array of " + list.size() + " values that are not all integers; one field holds one code"
                        );
                    }
                }
                return HashCodes.fromIntegers(list);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("got " + e.getMessage());
        }
        throw new IllegalArgumentException("got " + describe(value));
    }

    /**
     * Parses a code that must have exactly {@code bits} bits.
     *
     * @param what names the value in errors, e.g. {@code "field [code]"}
     * @throws IllegalArgumentException naming {@code what}, what was expected and what came
     */
    public static byte[] parse(Object value, int bits, String what) {
        byte[] code;
        try {
            code = parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(expectation(what, bits) + "; " + e.getMessage());
        }
        if (code.length * 8 != bits) {
            String came = value instanceof String s ? "a hex string of " + s.length() + " digits" : "an array of " + code.length + " integers";
            throw new IllegalArgumentException(expectation(what, bits) + "; got " + came);
        }
        return code;
    }

    public static String expectation(String what, int bits) {
        return what + " expects a code of " + bits + " bits: a hex string of " + (bits / 4) + " digits or an array of " + (bits / 8)
            + " integers in [-128, 255]";
    }

    private static String describe(Object value) {
        if (value instanceof Map<?, ?>) {
            return "an object";
        }
        if (value instanceof Number n) {
            return "the number " + n;
        }
        if (value instanceof Boolean b) {
            return "the boolean " + b;
        }
        return value == null ? "null" : "a value of type " + value.getClass().getSimpleName();
    }
}
