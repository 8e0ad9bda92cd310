package org.imagehash.model;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The rules of a model upload in parts, for any engine: what a start request must say ({@link Plan}), what one part
 * may be ({@link #decodePart}), and how the parts become a verified graph ({@link #assemble}). Every refusal is an
 * {@link IllegalArgumentException} that names the problem; nothing here keeps state.
 */
public final class ModelUpload {

    /** Largest part, decoded (ML Commons' and eland's chunks are 10 MB and smaller). */
    public static final int MAX_PART_BYTES = 10 * 1024 * 1024;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private ModelUpload() {}

    /** What the start request promises: the number of parts, the graph's total length and its SHA-256 (lowercase hex). */
    public record Plan(int totalParts, long totalLength, String sha256) {

        /**
         * Checks a start request's values.
         *
         * @param maxBytes the largest model the node accepts ({@code image_hash.models.max_bytes})
         */
        public static Plan of(Object totalParts, Object totalLength, Object sha256, long maxBytes) {
            long length = positive("total_length", totalLength);
            if (length > maxBytes) {
                throw new ModelTooLargeException(
                    "[total_length] is " + length + " bytes, more than image_hash.models.max_bytes [" + maxBytes + "]"
                );
            }
            long parts = positive("total_parts", totalParts);
            long fewest = (length + MAX_PART_BYTES - 1) / MAX_PART_BYTES;
            if (parts < fewest || parts > length) {
                throw new IllegalArgumentException(
                    "[total_parts] is " + parts + " but " + length + " bytes need between " + fewest + " and " + length
                        + " parts of at most " + MAX_PART_BYTES + " bytes"
                );
            }
            if (sha256 instanceof String s && SHA256.matcher(s).matches()) {
                return new Plan((int) parts, length, s.toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException("[sha256] must be the 64 hex digits of the model file's SHA-256, got [" + sha256 + "]");
        }

        private static long positive(String key, Object value) {
            if (value instanceof Integer || value instanceof Long || value instanceof Short) {
                long v = ((Number) value).longValue();
                if (v > 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("[" + key + "] must be a positive integer, got [" + value + "]");
        }

        /** Checks a part number against the plan. */
        public void checkPart(int n) {
            if (n < 0 || n >= totalParts) {
                throw new IllegalArgumentException("part [" + n + "] is out of range: this upload has parts 0 to " + (totalParts - 1));
            }
        }
    }

    /** The upload or model is larger than the node accepts. */
    public static final class ModelTooLargeException extends IllegalArgumentException {
        public ModelTooLargeException(String message) {
            super(message);
        }
    }

    /** Part {@code n}'s bytes from its base64 {@code data}, checked against the plan. */
    public static byte[] decodePart(Plan plan, int n, Object data) {
        plan.checkPart(n);
        if (data instanceof String == false || ((String) data).isEmpty()) {
            throw new IllegalArgumentException("part [" + n + "]: [data] must be a non-empty base64 string");
        }
        String s = (String) data;
        // 4 base64 characters per 3 bytes (line breaks aside): refuse an oversized part before decoding it
        if (s.length() > (long) MAX_PART_BYTES / 3 * 4 + 4 + s.length() / 76 * 2) {
            throw new ModelTooLargeException("part [" + n + "] is larger than " + MAX_PART_BYTES + " bytes");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(s.replaceAll("\\s+", "")); // strict: line breaks allowed, nothing else
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("part [" + n + "]: [data] is not valid base64: " + e.getMessage(), e);
        }
        if (bytes.length == 0) {
            throw new IllegalArgumentException("part [" + n + "]: [data] is empty");
        }
        if (bytes.length > MAX_PART_BYTES) {
            throw new ModelTooLargeException("part [" + n + "] is " + bytes.length + " bytes, more than " + MAX_PART_BYTES);
        }
        if (bytes.length > plan.totalLength()) {
            throw new IllegalArgumentException("part [" + n + "] is " + bytes.length + " bytes, more than [total_length] " + plan.totalLength());
        }
        return bytes;
    }

    /** Reads part {@code n} from wherever the parts are kept. */
    @FunctionalInterface
    public interface PartReader {
        byte[] read(int n) throws java.io.IOException;
    }

    /**
     * Concatenates parts 0 to {@code totalParts - 1} and checks their total length and SHA-256 against the plan.
     *
     * @throws IllegalArgumentException naming the missing part, the length or the hash that does not match
     */
    public static byte[] assemble(Plan plan, PartReader parts) throws java.io.IOException {
        byte[][] read = new byte[plan.totalParts()][];
        long length = 0;
        for (int n = 0; n < plan.totalParts(); n++) {
            read[n] = parts.read(n);
            if (read[n] == null) {
                throw new IllegalArgumentException("part [" + n + "] of " + plan.totalParts() + " is missing");
            }
            length += read[n].length;
            if (length > plan.totalLength()) {
                break;
            }
        }
        if (length != plan.totalLength()) {
            throw new IllegalArgumentException(
                "the parts hold " + (length > plan.totalLength() ? "more than " : "") + length + " bytes but [total_length] is " + plan.totalLength()
            );
        }
        byte[] graph = new byte[(int) length];
        int at = 0;
        for (byte[] part : read) {
            System.arraycopy(part, 0, graph, at, part.length);
            at += part.length;
        }
        String actual = sha256(graph);
        if (actual.equals(plan.sha256()) == false) {
            throw new IllegalArgumentException("SHA-256 mismatch: the parts hash to [" + actual + "] but [sha256] is [" + plan.sha256() + "]");
        }
        return graph;
    }

    /** Lowercase hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
