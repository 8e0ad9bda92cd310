package org.imagehash.opensearch.mapper;

import org.imagehash.search.HashCodeValues;
import org.imagehash.search.HashCodes;
import org.opensearch.test.OpenSearchTestCase;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Random field values: a value is either a code of exactly the field's bits, or an IllegalArgumentException with a reason. */
public class HashCodeValueFuzzTests extends OpenSearchTestCase {

    private Object randomValue(int bits) {
        return switch (randomIntBetween(0, 7)) {
            case 0 -> HashCodes.toHex(randomByteArrayOfLength(bits / 8)); // valid
            case 1 -> randomAlphaOfLength(randomIntBetween(0, bits / 2));
            case 2 -> randomRealisticUnicodeOfLength(randomIntBetween(0, 20));
            case 3 -> {
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < randomIntBetween(0, bits / 4); i++) {
                    list.add(randomFrom(randomIntBetween(-300, 300), randomDouble(), randomLong(), "x", List.of(1), Map.of()));
                }
                yield list;
            }
            case 4 -> {
                List<Object> list = new ArrayList<>();
                for (int i = 0; i < bits / 8; i++) {
                    list.add(randomIntBetween(-128, 255)); // valid
                }
                yield list;
            }
            case 5 -> randomFrom(randomInt(), randomDouble(), randomBoolean());
            case 6 -> Map.of("hex", HashCodes.toHex(randomByteArrayOfLength(bits / 8)));
            default -> HashCodes.toHex(randomByteArrayOfLength(bits / 8)).toUpperCase(java.util.Locale.ROOT); // valid
        };
    }

    public void testEveryValueParsesToTheRightLengthOrSaysWhy() {
        for (int iteration = 0; iteration < 5000; iteration++) {
            int bits = 8 * randomIntBetween(1, 64);
            Object value = randomValue(bits);
            try {
                byte[] code = HashCodeValues.parse(value, bits, "field [f]");
                assertEquals(bits / 8, code.length);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith("field [f] expects a code of " + bits + " bits"));
            }
        }
    }
}
