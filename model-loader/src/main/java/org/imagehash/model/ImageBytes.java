package org.imagehash.model;

import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Images as they arrive: in JSON as base64 text, possibly line-wrapped or as a {@code data:} URL; in CBOR or SMILE as
 * raw bytes.
 */
public final class ImageBytes {

    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private ImageBytes() {}

    /**
     * Decodes base64 image text strictly (a stray character is an error, not silently skipped).
     *
     * @param what names the value in errors, e.g. {@code "field [image]"}
     * @throws ImageException saying what is wrong with the text
     */
    public static byte[] fromBase64(String text, String what) {
        String base64 = text;
        if (base64.startsWith("data:")) {
            int comma = base64.indexOf(',');
            if (comma < 0 || base64.substring(0, comma).endsWith(";base64") == false) {
                throw new ImageException(what + " is a data: URL that is not base64 (expected data:<type>;base64,<data>)");
            }
            base64 = base64.substring(comma + 1);
        }
        if (base64.chars().anyMatch(Character::isWhitespace)) { // line-wrapped base64 (MIME style)
            base64 = WHITESPACE.matcher(base64).replaceAll("");
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new ImageException(what + " is not valid base64: " + e.getMessage());
        }
        return raw(decoded, what);
    }

    /**
     * Raw image bytes, as a binary document value carries them.
     *
     * @throws ImageException when there are none
     */
    public static byte[] raw(byte[] bytes, String what) {
        if (bytes.length == 0) {
            throw new ImageException(what + " is empty");
        }
        return bytes;
    }
}
