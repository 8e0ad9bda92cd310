package org.imagehash.search;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SubstringLayout;
import org.imagehash.search.query.HammingQuery;
import org.imagehash.search.query.HammingTopKQuery;

/**
 * A {@code hash_code} field as every engine's field type sees it: its name, width and substring layout, the codes it
 * accepts and the queries that search it. The engines' field types delegate here, so the rules are the same in each.
 *
 * @param substrings how codes are cut into indexed substrings (multi-index hashing); null when they are not
 */
public record HashCodeField(String name, int bits, SubstringLayout substrings, SegmentCache cache) {

    public static final String TYPE = "hash_code";

    /** The {@code bits} mapping parameter as given: an integer (or its string); errors name the field. */
    public static Integer parseBitsParameter(String field, Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return ((Number) value).intValue();
        }
        if (value instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                // reported below with the field's name
            }
        }
        throw new IllegalArgumentException("[bits] of field [" + field + "] must be an integer, got [" + value + "]");
    }

    /** Checks the required {@code bits} mapping parameter: a multiple of 8 in [8, 4096]. */
    public static void checkBitsParameter(String field, Integer bits) {
        if (bits == null) {
            throw new IllegalArgumentException("[bits] is required for field [" + field + "] of type [" + TYPE + "]");
        }
        try {
            HashCodes.checkBits(bits);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("[bits] of field [" + field + "] " + e.getMessage());
        }
    }

    /** Parses a code meant for this field, with an error that names the field. */
    public byte[] parseCode(Object value) {
        return HashCodeValues.parse(value, bits, "field [" + name + "] of type [" + TYPE + "]");
    }

    /**
     * Every document within {@code maxDistance} of {@code code}; every document with a code if {@code maxDistance} is
     * null. Probed by multi-index hashing where the substrings are indexed and the planner expects it to pay.
     *
     * @throws IllegalArgumentException when the code does not have the field's bits
     */
    public Query radiusQuery(byte[] code, Integer maxDistance) {
        checkLength(code);
        return new HammingQuery(name, code, maxDistance == null ? bits : maxDistance, cache, substrings, ProbeCost.Mode.AUTO);
    }

    /**
     * The {@code k} nearest documents among those matching {@code filter} (null for all), within {@code maxDistance}.
     *
     * @throws IllegalArgumentException when the code does not have the field's bits
     */
    public Query topKQuery(byte[] code, int k, Integer maxDistance, Query filter) {
        checkLength(code);
        return new HammingTopKQuery(name, code, k, maxDistance == null ? bits : maxDistance, filter, cache, substrings, ProbeCost.Mode.AUTO);
    }

    /**
     * What the {@code hamming} query searches: with {@code k}, the k nearest among {@code filter} (null: all) within
     * {@code maxDistance}; without, every document within {@code maxDistance} that matches {@code filter}.
     *
     * @throws IllegalArgumentException when the code does not have the field's bits
     */
    public Query query(byte[] code, Integer k, Integer maxDistance, Query filter) {
        if (k != null) {
            return topKQuery(code, k, maxDistance, filter);
        }
        Query radius = radiusQuery(code, maxDistance);
        if (filter == null) {
            return radius;
        }
        return new BooleanQuery.Builder().add(radius, BooleanClause.Occur.MUST).add(filter, BooleanClause.Occur.FILTER).build();
    }

    /** Why a query cannot search {@code field}: it is not mapped. */
    public static String notMapped(String field) {
        return "field [" + field + "] is not mapped; map it as [" + TYPE + "] or set [ignore_unmapped] to true";
    }

    /** Why a query cannot search {@code field}: it has another type. */
    public static String notAHashCodeField(String field, String type) {
        return "field [" + field + "] is of type [" + type + "], but the query needs a field of type [" + TYPE + "]";
    }

    /** The one check that a query code fits the field. */
    private void checkLength(byte[] code) {
        if (code.length * 8 != bits) {
            throw new IllegalArgumentException(
                "[code] has " + code.length * 8 + " bits (" + code.length * 2 + " hex digits) but field [" + name + "] has [bits: " + bits + "]"
            );
        }
    }
}
