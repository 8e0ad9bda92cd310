package org.imagehash.search.mih;

import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCodes;

import java.util.ArrayList;
import java.util.List;

/**
 * How multi-index hashing cuts a code into {@code m} disjoint substrings, and how each substring becomes a term.
 *
 * <p>Substring {@code j} is the run of {@link #length(int)} bits starting at {@link #start(int)} in the code's packed
 * 64-bit words (bit {@code p} is bit {@code p % 64} of word {@code p / 64}; positions below {@code bits} are exactly the
 * code's bytes, so padding never enters a substring). The first {@code bits % m} substrings are one bit longer than
 * the rest. Hamming distance ignores bit order, so any disjoint cover works; contiguous runs make extraction two
 * shifts.
 *
 * <p>Each document indexes one term per substring in the hidden field {@link #termField(String)}: one byte with the
 * substring's index, then its value in {@code ceil(length / 8)} big-endian bytes. By the pigeonhole principle a code
 * within distance {@code r} of the query agrees with the query's substring {@code j} within {@code floor(r / m)} bits
 * for at least one {@code j}, so probing those terms finds every such code.
 */
public final class SubstringLayout {

    /** The longest substring: a probe enumerates values of a substring in a {@code long}, and tables stay small. */
    public static final int MAX_LENGTH = 32;
    /** The substring index is one byte of the term. */
    public static final int MAX_COUNT = 256;
    /** MIH's rule of thumb: substrings of about log2(N) bits; 16 bits suit shards of 10^4 to 10^6 codes per segment. */
    public static final int DEFAULT_LENGTH = 16;

    private static final String TERM_FIELD_SUFFIX = "._substrings";

    private final int bits;
    private final int count;
    private final int[] starts;
    private final int[] lengths;
    private final long[] probesWithin; // per distance: see probesWithin(int)
    private final String name; // toString, part of every probe's cache key: built once, not per query
    private volatile double[] firstRoundChances; // built on first use: only a top k on this layout asks

    public SubstringLayout(int bits, int count) {
        HashCodes.checkBits(bits);
        checkCount(bits, count);
        this.bits = bits;
        this.count = count;
        this.starts = new int[count];
        this.lengths = new int[count];
        int base = bits / count;
        int longer = bits % count;
        int start = 0;
        for (int j = 0; j < count; j++) {
            lengths[j] = base + (j < longer ? 1 : 0);
            starts[j] = start;
            start += lengths[j];
        }
        assert start == bits;
        this.probesWithin = probesWithin(bits, count, lengths);
        this.name = count + " substrings of " + (lengths[count - 1] == lengths[0] ? "" + lengths[0] : lengths[count - 1] + "-" + lengths[0]) + " bits";
    }

    /** The default number of substrings for a width: substrings of about {@value #DEFAULT_LENGTH} bits. */
    public static int defaultCount(int bits) {
        return Math.max(minCount(bits), Math.max(1, bits / DEFAULT_LENGTH));
    }

    /** Fewest substrings that keep each within {@value #MAX_LENGTH} bits. */
    public static int minCount(int bits) {
        return (bits + MAX_LENGTH - 1) / MAX_LENGTH;
    }

    /** Most substrings allowed for a width. */
    public static int maxCount(int bits) {
        return Math.min(bits, MAX_COUNT);
    }

    /** @throws IllegalArgumentException when {@code count} substrings cannot cover {@code bits} bits */
    public static void checkCount(int bits, int count) {
        if (count < minCount(bits) || count > maxCount(bits)) {
            throw new IllegalArgumentException(
                "[substrings.count] must be between " + minCount(bits) + " and " + maxCount(bits) + " for " + bits
                    + " bits (substrings of 1 to " + MAX_LENGTH + " bits), got [" + count + "]"
            );
        }
    }

    /** The Lucene field that holds the substring terms of {@code field}. */
    public static String termField(String field) {
        return field + TERM_FIELD_SUFFIX;
    }

    public int bits() {
        return bits;
    }

    public int count() {
        return count;
    }

    public int start(int j) {
        return starts[j];
    }

    public int length(int j) {
        return lengths[j];
    }

    /** Substring {@code j} of the code packed at {@code words[offset ...]}, in the low {@link #length(int)} bits. */
    public long substring(long[] words, int offset, int j) {
        return substring(words, offset, 1, j);
    }

    /** Substring {@code j} of a code of one word (at most 64 bits), in the low {@link #length(int)} bits. */
    public long substring(long code, int j) {
        return low(code >>> starts[j], lengths[j]);
    }

    /** Substring {@code j} of document {@code doc}'s code in a segment's packed codes, in the low {@link #length(int)} bits. */
    public long substring(SegmentCodes codes, int doc, int j) {
        return substring(codes.codes(), SegmentCodes.offset(doc, codes.words()), SegmentCodes.BLOCK, j);
    }

    /** Substring {@code j} of a code whose word {@code w} is {@code words[offset + w * stride]}. */
    private long substring(long[] words, int offset, int stride, int j) {
        int p = starts[j];
        int length = lengths[j];
        int w = offset + (p >>> 6) * stride;
        int shift = p & 63;
        long value = words[w] >>> shift;
        if (shift + length > 64) {
            value |= words[w + stride] << (64 - shift);
        }
        return low(value, length);
    }

    /** The low {@code length} bits of {@code value} (1 to 64). */
    private static long low(long value, int length) {
        return length == 64 ? value : value & ((1L << length) - 1);
    }

    /** Every substring of a query code. */
    public long[] substrings(long[] words) {
        long[] values = new long[count];
        for (int j = 0; j < count; j++) {
            values[j] = substring(words, 0, j);
        }
        return values;
    }

    /** Bytes of the term of a substring: its index byte, then its value in big-endian bytes. */
    public int termLength(int j) {
        return 1 + (lengths[j] + 7) / 8;
    }

    /** Writes the term of substring {@code j} with value {@code value} into {@code term} (its bytes must be long enough). */
    public void term(int j, long value, BytesRef term) {
        int n = termLength(j);
        byte[] b = term.bytes;
        b[0] = (byte) j;
        for (int i = n - 1; i >= 1; i--) {
            b[i] = (byte) value;
            value >>>= 8;
        }
        term.offset = 0;
        term.length = n;
    }

    /** A reusable term buffer long enough for every substring. */
    public BytesRef newTermBuffer() {
        return new BytesRef(new byte[1 + (lengths[0] + 7) / 8]);
    }

    /** The fields a document indexes for its code: one untokenized term per substring. */
    public List<IndexableField> termFields(String field, byte[] code) {
        long[] words = HashCodes.toWords(code);
        String name = termField(field);
        List<IndexableField> fields = new ArrayList<>(count);
        for (int j = 0; j < count; j++) {
            BytesRef term = newTermBuffer();
            term(j, substring(words, 0, j), term);
            fields.add(new StringField(name, BytesRef.deepCopyOf(term), Field.Store.NO));
        }
        return fields;
    }

    /** Number of values within distance exactly {@code s} of a value of substring {@code j}: C(length, s). */
    public long probesAt(int j, int s) {
        return binomial(lengths[j], s);
    }

    /**
     * Lookups that probing costs to see every code within {@code distance} bits of the query: with {@code distance =
     * m * s + a} ({@code 0 <= a < m}), substrings {@code 0..a} probed to radius {@code s} and the others to
     * {@code s - 1} (the pigeonhole principle, refined as in MIH); -1 where a substring would have to be enumerated
     * whole (a scan reads less). The planner prices proving a k-th distance with it several times per query, so it is a
     * table lookup rather than a sum over the rounds.
     */
    public long probesWithin(int distance) {
        return probesWithin[distance];
    }

    private static long[] probesWithin(int bits, int count, int[] lengths) {
        long[] within = new long[bits + 1];
        long lookups = 0;
        for (int d = 0; d <= bits; d++) {
            int j = d % count, s = d / count; // going from d - 1 to d probes substring j to radius s as well
            if (within[Math.max(0, d - 1)] < 0 || s >= lengths[j]) {
                within[d] = -1;
            } else {
                lookups += binomial(lengths[j], s);
                within[d] = lookups;
            }
        }
        return within;
    }

    static long binomial(int n, int s) {
        return s < 0 || s > n ? 0 : BINOMIALS[n][s];
    }

    /** C(n, s) for every substring length: the planner asks for them before every round of every query. */
    private static final long[][] BINOMIALS = new long[MAX_LENGTH + 1][];

    static {
        for (int n = 0; n <= MAX_LENGTH; n++) {
            BINOMIALS[n] = new long[n + 1];
            BINOMIALS[n][0] = BINOMIALS[n][n] = 1;
            for (int s = 1; s < n; s++) {
                BINOMIALS[n][s] = BINOMIALS[n - 1][s - 1] + BINOMIALS[n - 1][s];
            }
        }
    }

    /** Widths up to this have {@link #firstRoundChances()}: the counts behind them stay within a double. */
    public static final int MAX_CHANCE_BITS = 1024;

    /**
     * For each distance {@code d}, the chance that a code {@code d} bits from the query shares at least one substring
     * with it exactly, its differing bits placed at random: the share of such codes that the radius-0 round of a probe
     * finds (every code within {@code count() - 1} bits, fewer beyond). Null beyond {@link #MAX_CHANCE_BITS} bits.
     */
    public double[] firstRoundChances() {
        double[] chances = firstRoundChances;
        if (chances == null && bits <= MAX_CHANCE_BITS) {
            firstRoundChances = chances = firstRoundChances(bits, lengths);
        }
        return chances;
    }

    private static double[] firstRoundChances(int bits, int[] lengths) {
        // coefficient d of prod_j ((1 + z)^length_j - 1): the ways to place d differing bits with one at least in every
        // substring, i.e. to miss them all; (1 + z)^bits counts every way
        double[] missAll = { 1 };
        for (int length : lengths) {
            double[] block = binomialRow(length);
            block[0] = 0;
            double[] product = new double[missAll.length + length];
            for (int a = 0; a < missAll.length; a++) {
                if (missAll[a] != 0) {
                    for (int b = 1; b <= length; b++) {
                        product[a + b] += missAll[a] * block[b];
                    }
                }
            }
            missAll = product;
        }
        double[] every = binomialRow(bits);
        double[] chances = new double[bits + 1];
        for (int d = 0; d <= bits; d++) {
            chances[d] = Math.max(0, 1 - missAll[d] / every[d]);
        }
        return chances;
    }

    private static double[] binomialRow(int n) {
        double[] row = new double[n + 1];
        row[0] = 1;
        for (int k = 0; k < n; k++) {
            row[k + 1] = row[k] * (n - k) / (k + 1);
        }
        return row;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubstringLayout that && bits == that.bits && count == that.count;
    }

    @Override
    public int hashCode() {
        return 31 * bits + count;
    }

    @Override
    public String toString() {
        return name;
    }
}
