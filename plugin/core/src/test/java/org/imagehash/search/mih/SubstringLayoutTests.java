package org.imagehash.search.mih;

import org.apache.lucene.util.BytesRef;
import org.imagehash.search.HashCodes;
import org.imagehash.search.HashCodeTestCase;

import java.util.HashSet;
import java.util.Set;

/** How codes are cut into substrings, and the terms they become. */
public class SubstringLayoutTests extends HashCodeTestCase {

    /** Bit {@code i} of a code as the field defines it: bit {@code 7 - i % 8} of byte {@code i / 8}. */
    private static int bit(byte[] code, int i) {
        return (code[i / 8] >>> (7 - i % 8)) & 1;
    }

    public void testDefaultCountGivesSixteenBitSubstrings() {
        assertEquals(4, SubstringLayout.defaultCount(64));
        assertEquals(8, SubstringLayout.defaultCount(128));
        assertEquals(16, SubstringLayout.defaultCount(256));
        assertEquals(1, SubstringLayout.defaultCount(8));
        assertEquals(1, SubstringLayout.defaultCount(24));
        assertEquals(256, SubstringLayout.defaultCount(4096)); // 256 substrings: the most allowed
        assertEquals(128, SubstringLayout.minCount(4096)); // 32-bit substrings: the longest allowed
        assertEquals("4 substrings of 16 bits", new SubstringLayout(64, 4).toString());
        assertEquals("5 substrings of 12-13 bits", new SubstringLayout(64, 5).toString());
    }

    public void testCountLimits() {
        expectThrows(IllegalArgumentException.class, () -> new SubstringLayout(128, 3)); // 43-bit substrings
        expectThrows(IllegalArgumentException.class, () -> new SubstringLayout(8, 9));
        expectThrows(IllegalArgumentException.class, () -> new SubstringLayout(64, 0));
        assertEquals(64, new SubstringLayout(64, 64).count());
    }

    /** The substrings cover every bit of the code exactly once, and differ from a query's as the code does. */
    public void testSubstringsPartitionTheCode() {
        for (int iter = 0; iter < 200; iter++) {
            int bits = 8 * randomIntBetween(1, 80);
            int count = randomIntBetween(SubstringLayout.minCount(bits), SubstringLayout.maxCount(bits));
            SubstringLayout layout = new SubstringLayout(bits, count);
            byte[] a = randomByteArrayOfLength(bits / 8);
            byte[] b = randomByteArrayOfLength(bits / 8);
            long[] wa = HashCodes.toWords(a);
            long[] wb = HashCodes.toWords(b);
            int total = 0;
            int covered = 0;
            for (int j = 0; j < count; j++) {
                assertTrue(layout.length(j) >= 1 && layout.length(j) <= SubstringLayout.MAX_LENGTH);
                covered += layout.length(j);
                long sa = layout.substring(wa, 0, j);
                assertEquals(0, sa >>> layout.length(j));
                total += Long.bitCount(sa ^ layout.substring(wb, 0, j));
                if (bits <= 64) { // a one-word code handed as a long (beside a posting) splits the same way
                    assertEquals(sa, layout.substring(wa[0], j));
                }
            }
            assertEquals(bits, covered);
            int distance = 0;
            for (int i = 0; i < bits; i++) {
                distance += bit(a, i) ^ bit(b, i);
            }
            assertEquals(distance, total);
        }
    }

    public void testTermsAreDistinctPerSubstringAndValue() {
        SubstringLayout layout = new SubstringLayout(64, 5);
        Set<BytesRef> terms = new HashSet<>();
        BytesRef term = layout.newTermBuffer();
        for (int j = 0; j < 5; j++) {
            for (long v = 0; v < 1 << layout.length(j); v += 97) {
                layout.term(j, v, term);
                assertEquals(layout.termLength(j), term.length);
                assertTrue(terms.add(BytesRef.deepCopyOf(term)));
            }
        }
        byte[] code = randomByteArrayOfLength(8);
        assertEquals(5, layout.termFields("code", code).size());
        assertEquals("code._substrings", layout.termFields("code", code).get(0).name());
    }

    public void testProbeCounts() {
        SubstringLayout layout = new SubstringLayout(64, 4);
        assertEquals(1, layout.probesAt(0, 0));
        assertEquals(16, layout.probesAt(0, 1));
        assertEquals(120, layout.probesAt(0, 2));
        assertEquals(12870, layout.probesAt(0, 8));
        assertEquals(0, layout.probesAt(0, 17));
    }

    /**
     * Proving every code within d bits takes, per substring j, all its values within radius floor(d / m) for j up to
     * d mod m and one less for the rest: the table matches that sum at every distance, and says -1 from the first
     * distance at which a substring would be enumerated whole (unequal lengths too).
     */
    public void testProbesWithinADistanceSumTheRoundsThatProveIt() {
        for (SubstringLayout layout : new SubstringLayout[] { new SubstringLayout(64, 4), new SubstringLayout(64, 5), new SubstringLayout(16, 3) }) {
            int m = layout.count();
            for (int d = 0; d <= layout.bits(); d++) {
                long expected = 0;
                for (int j = 0; j < m && expected >= 0; j++) {
                    int radius = j <= d % m ? d / m : d / m - 1;
                    if (radius >= layout.length(j)) {
                        expected = -1;
                    } else {
                        for (int s = 0; s <= radius; s++) {
                            expected += layout.probesAt(j, s);
                        }
                    }
                }
                assertEquals(layout + ", distance " + d, expected, layout.probesWithin(d));
            }
        }
        assertEquals(1, new SubstringLayout(64, 4).probesWithin(0));
        assertEquals(4 + 16, new SubstringLayout(64, 4).probesWithin(4)); // every substring exact, then substring 0 one bit off
        assertEquals(-1, new SubstringLayout(64, 4).probesWithin(64));
    }

    /**
     * The share of codes at each distance that share a substring with the query exactly, against counting every
     * 16-bit difference pattern (substrings of 5, 5, 6 bits: unequal lengths too).
     */
    public void testFirstRoundChancesCountTheDifferencesThatLeaveASubstringWhole() {
        SubstringLayout layout = new SubstringLayout(16, 3);
        long[] hit = new long[17];
        long[] all = new long[17];
        for (int pattern = 0; pattern < 1 << 16; pattern++) {
            int d = Integer.bitCount(pattern);
            all[d]++;
            for (int j = 0; j < 3; j++) {
                if (layout.substring(new long[] { pattern }, 0, j) == 0) {
                    hit[d]++;
                    break;
                }
            }
        }
        double[] chances = layout.firstRoundChances();
        for (int d = 0; d <= 16; d++) {
            assertEquals("distance " + d, (double) hit[d] / all[d], chances[d], 1e-12);
        }
        // every code within count - 1 bits leaves one substring whole; 64 bits in 4: 24 bits away, 1 in ~2,000
        double[] wide = new SubstringLayout(64, 4).firstRoundChances();
        assertEquals(1.0, wide[3], 1e-12);
        assertEquals(0.8969, wide[4], 1e-4);
        assertEquals(4.9e-4, wide[24], 0.5e-4);
        assertEquals(0.0, wide[64], 1e-12);
        assertNotNull(new SubstringLayout(SubstringLayout.MAX_CHANCE_BITS, 64).firstRoundChances());
        assertNull(new SubstringLayout(SubstringLayout.MAX_CHANCE_BITS + 8, 64).firstRoundChances());
    }

    /** A mapping that does not say indexes substrings up to 256 bits (where probing pays), and not beyond. */
    public void testDefaultDependsOnTheWidth() {
        assertEquals(new SubstringsOption(true, null), SubstringsOption.UNSET.resolve(8));
        assertEquals(new SubstringsOption(true, null), SubstringsOption.UNSET.resolve(64));
        assertEquals(new SubstringsOption(true, null), SubstringsOption.UNSET.resolve(256));
        assertEquals(new SubstringsOption(false, null), SubstringsOption.UNSET.resolve(264));
        assertEquals(4, SubstringsOption.UNSET.layout(64).count());
        assertNull(SubstringsOption.UNSET.layout(512));
        // what the mapping says wins; a count alone asks for substrings at any width
        assertNull(SubstringsOption.DISABLED.layout(64));
        assertEquals(32, new SubstringsOption(null, 32).layout(512).count());
        assertEquals(new SubstringsOption(true, 8), new SubstringsOption(true, 8).resolve(1024));
    }

    public void testOptionParsing() {
        assertEquals(new SubstringsOption(true, null), SubstringsOption.parse("f", java.util.Map.of("enabled", true)));
        assertEquals(new SubstringsOption(true, 8), SubstringsOption.parse("f", java.util.Map.of("enabled", true, "count", 8)));
        assertEquals(8, SubstringsOption.parse("f", java.util.Map.of("enabled", true)).layout(128).count());
        assertNull(SubstringsOption.DISABLED.layout(64));
        assertEquals(new SubstringsOption(null, 4), SubstringsOption.parse("f", java.util.Map.of("count", 4)));
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> SubstringsOption.parse("f", true));
        assertTrue(e.getMessage(), e.getMessage().contains("must be an object"));
        e = expectThrows(IllegalArgumentException.class, () -> SubstringsOption.parse("f", java.util.Map.of("enabled", true, "size", 4)));
        assertTrue(e.getMessage(), e.getMessage().contains("does not support [size]"));
        e = expectThrows(IllegalArgumentException.class, () -> SubstringsOption.parse("f", java.util.Map.of("enabled", false, "count", 4)));
        assertTrue(e.getMessage(), e.getMessage().contains("cannot be set with [substrings.enabled: false]"));
        e = expectThrows(IllegalArgumentException.class, () -> SubstringsOption.parse("f", java.util.Map.of("enabled", true, "count", 4.5)));
        assertTrue(e.getMessage(), e.getMessage().contains("must be an integer"));
    }
}
