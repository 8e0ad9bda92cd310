package org.imagehash.search;

import org.apache.lucene.util.BytesRef;

import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

public class HashCodesTests extends HashCodeTestCase {

    public void testHexRoundTripsInEitherCase() {
        byte[] code = randomByteArrayOfLength(randomIntBetween(1, 64));
        String hex = HashCodes.toHex(code);
        assertEquals(hex.toLowerCase(java.util.Locale.ROOT), hex);
        assertArrayEquals(code, HashCodes.fromHex(hex));
        assertArrayEquals(code, HashCodes.fromHex(hex.toUpperCase(java.util.Locale.ROOT)));
        assertEquals(hex, HashCodes.toHex(new BytesRef(code)));
    }

    public void testBitOrderIsMostSignificantFirst() {
        // bit 0 of the code is the high bit of byte 0, as numpy.packbits writes it
        assertArrayEquals(new byte[] { (byte) 0x80, 0x01 }, HashCodes.fromHex("8001"));
        assertEquals("ff00", HashCodes.toHex(HashCodes.fromIntegers(List.of(-1, 0))));
        assertEquals("ff00", HashCodes.toHex(HashCodes.fromIntegers(List.of(255, 0))));
    }

    public void testBadHexSaysWhatIsWrong() {
        assertThat(expectThrows(IllegalArgumentException.class, () -> HashCodes.fromHex("abc")).getMessage(), containsString("3 digits"));
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodes.fromHex("ag")).getMessage(),
            containsString("non-hex character [g] at position 1")
        );
    }

    public void testIntegersOutsideTheByteRangeAreRejected() {
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodes.fromIntegers(List.of(1, 256))).getMessage(),
            containsString("element [1] is 256, outside [-128, 255]")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodes.fromIntegers(List.of(-129))).getMessage(),
            containsString("element [0] is -129")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodes.fromIntegers(List.of(1.5))).getMessage(),
            containsString("non-integer 1.5")
        );
    }

    public void testWordsPadTheLastWordWithZeros() {
        byte[] code = new byte[9];
        code[0] = 1;
        code[8] = (byte) 0xFF;
        long[] words = HashCodes.toWords(code);
        assertEquals(2, words.length);
        assertEquals(1L, words[0]);
        assertEquals(0xFFL, words[1]);
    }

    public void testDistanceOfWordsEqualsDistanceOfBits() {
        int bytes = randomIntBetween(1, 70);
        byte[] a = randomByteArrayOfLength(bytes);
        byte[] b = randomByteArrayOfLength(bytes);
        int expected = 0;
        for (int i = 0; i < bytes; i++) {
            expected += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
        }
        long[] wa = HashCodes.toWords(a);
        long[] wb = HashCodes.toWords(b);
        int actual = 0;
        for (int w = 0; w < wa.length; w++) {
            actual += Long.bitCount(wa[w] ^ wb[w]);
        }
        assertEquals(expected, actual);
    }

    public void testCheckBits() {
        HashCodes.checkBits(8);
        HashCodes.checkBits(64);
        HashCodes.checkBits(4096);
        for (int bad : new int[] { 0, 4, 12, 4104, -8 }) {
            expectThrows(IllegalArgumentException.class, () -> HashCodes.checkBits(bad));
        }
    }

    public void testValuesNameWhatCame() {
        String what = "field [code]";
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodeValues.parse("abcd", 64, what)).getMessage(),
            containsString("field [code] expects a code of 64 bits: a hex string of 16 digits or an array of 8 integers in [-128, 255]; got a hex string of 4 digits")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodeValues.parse(List.of(1, 2), 64, what)).getMessage(),
            containsString("got an array of 2 integers")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodeValues.parse(Map.of("a", 1), 8, what)).getMessage(),
            containsString("got an object")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodeValues.parse(List.of("ab", "cd"), 8, what)).getMessage(),
            containsString("one field holds one code")
        );
        assertThat(
            expectThrows(IllegalArgumentException.class, () -> HashCodeValues.parse(42, 8, what)).getMessage(),
            containsString("got the number 42")
        );
        assertArrayEquals(new byte[] { 1, (byte) 0xFF }, HashCodeValues.parse(List.of(1, -1), 16, what));
    }
}
