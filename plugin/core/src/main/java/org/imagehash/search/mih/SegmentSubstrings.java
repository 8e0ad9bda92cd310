package org.imagehash.search.mih;

import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.RamUsageEstimator;

import java.io.IOException;
import java.util.Arrays;

/**
 * One segment's substring terms, read once from the inverted index into flat arrays: for each substring, the
 * documents grouped by substring value. A probe is then an array lookup instead of a terms-dictionary seek (about a
 * microsecond through the wrapped readers of a search), and its postings are a contiguous run of ints.
 *
 * <p>A substring whose {@code 2^length + 1} offsets take no more than twice the segment's documents (and of at most
 * {@value #MAX_DIRECT_LENGTH} bits) uses a direct table of offsets: a lookup is one array read. Otherwise (long
 * substrings in small segments) it keeps its distinct values sorted and finds them by binary search, which stays in
 * cache because such a segment is small.
 *
 * <p>Large segments of one-word codes may also keep each posting's code beside it: {@link PostingCodes}.
 */
public final class SegmentSubstrings implements Accountable {

    static final int MAX_DIRECT_LENGTH = 24;
    private static final long BASE_RAM = RamUsageEstimator.shallowSizeOfInstance(SegmentSubstrings.class);

    private final int[][] docs; // docs[j]: documents grouped by value of substring j
    private final int[][] offsets; // direct tables: docs of value v are docs[j][offsets[j][v] .. offsets[j][v + 1] - 1]
    private final long[][] keys; // otherwise: sorted distinct values, and
    private final int[][] starts; // docs of keys[j][i] are docs[j][starts[j][i] .. starts[j][i + 1] - 1]
    private final long values;
    private final long postings;

    private SegmentSubstrings(int[][] docs, int[][] offsets, long[][] keys, int[][] starts, long values, long postings) {
        this.docs = docs;
        this.offsets = offsets;
        this.keys = keys;
        this.starts = starts;
        this.values = values;
        this.postings = postings;
    }

    /**
     * Reads a segment's substring terms of {@code field}.
     *
     * @return null when the segment has none (no document with a code)
     */
    public static SegmentSubstrings load(LeafReader reader, String field, SubstringLayout layout) throws IOException {
        Terms terms = reader.terms(SubstringLayout.termField(field));
        if (terms == null) {
            return null;
        }
        int m = layout.count();
        int[][] docs = new int[m][];
        long[][] keys = new long[m][];
        int[][] starts = new int[m][];
        int[] docCount = new int[m];
        int[] keyCount = new int[m];
        TermsEnum termsEnum = terms.iterator();
        PostingsEnum postingsEnum = null;
        long values = 0;
        long postings = 0;
        for (BytesRef term = termsEnum.next(); term != null; term = termsEnum.next()) {
            int j = term.bytes[term.offset] & 0xFF;
            if (j >= m || term.length != layout.termLength(j)) {
                throw new IllegalStateException("field [" + field + "] holds substring terms of another layout than " + layout);
            }
            long value = 0;
            for (int i = 1; i < term.length; i++) {
                value = (value << 8) | (term.bytes[term.offset + i] & 0xFF);
            }
            if (docs[j] == null) {
                docs[j] = new int[Math.max(16, reader.maxDoc())];
                keys[j] = new long[16];
                starts[j] = new int[17];
            }
            if (keyCount[j] + 1 >= keys[j].length) {
                keys[j] = ArrayUtil.grow(keys[j], keyCount[j] + 2);
                starts[j] = ArrayUtil.growExact(starts[j], keys[j].length + 1);
            }
            keys[j][keyCount[j]] = value;
            starts[j][keyCount[j]] = docCount[j];
            keyCount[j]++;
            values++;
            postingsEnum = termsEnum.postings(postingsEnum, PostingsEnum.NONE);
            for (int doc = postingsEnum.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postingsEnum.nextDoc()) {
                if (docCount[j] == docs[j].length) {
                    docs[j] = ArrayUtil.grow(docs[j], docCount[j] + 1);
                }
                docs[j][docCount[j]++] = doc;
                postings++;
            }
        }
        int[][] offsets = new int[m][];
        for (int j = 0; j < m; j++) {
            if (docs[j] == null) {
                docs[j] = new int[0];
                keys[j] = new long[0];
                starts[j] = new int[1];
            }
            starts[j][keyCount[j]] = docCount[j];
            docs[j] = docs[j].length == docCount[j] ? docs[j] : Arrays.copyOf(docs[j], docCount[j]);
            if (direct(layout.length(j), reader.maxDoc())) {
                int[] table = new int[(1 << layout.length(j)) + 1];
                int k = 0;
                for (int v = 0; v < table.length; v++) {
                    while (k < keyCount[j] && keys[j][k] < v) {
                        k++;
                    }
                    table[v] = starts[j][k];
                }
                offsets[j] = table;
                keys[j] = null;
                starts[j] = null;
            } else {
                keys[j] = Arrays.copyOf(keys[j], keyCount[j]);
                starts[j] = Arrays.copyOf(starts[j], keyCount[j] + 1);
            }
        }
        return new SegmentSubstrings(docs, offsets, keys, starts, values, postings);
    }

    static boolean direct(int length, int maxDoc) {
        return length <= MAX_DIRECT_LENGTH && (1L << length) <= 2L * maxDoc;
    }

    /** Mean number of documents per stored substring value: the planner's guess of a probe's postings. */
    public double postingsPerValue() {
        return values == 0 ? 0 : (double) postings / values;
    }

    /**
     * Where the documents whose substring {@code j} equals {@code value} lie in {@link #docs(int)}:
     * {@code from << 32 | to}, with {@code from == to} when there are none.
     */
    long range(int j, long value) {
        if (offsets[j] != null) {
            int v = (int) value;
            return ((long) offsets[j][v] << 32) | offsets[j][v + 1];
        }
        int i = Arrays.binarySearch(keys[j], value);
        return i < 0 ? 0 : ((long) starts[j][i] << 32) | starts[j][i + 1];
    }

    int[] docs(int j) {
        return docs[j];
    }

    int count() {
        return docs.length;
    }

    /** Bytes that {@link #load} will take at most for a segment of {@code docs} documents with a code. */
    public static long estimateBytes(long docs, SubstringLayout layout) {
        long bytes = BASE_RAM;
        for (int j = 0; j < layout.count(); j++) {
            bytes += 4 * docs + (direct(layout.length(j), (int) Math.min(Integer.MAX_VALUE, docs)) ? 4L * ((1L << layout.length(j)) + 1) : 12 * docs);
        }
        return bytes;
    }

    @Override
    public long ramBytesUsed() {
        long bytes = BASE_RAM;
        for (int j = 0; j < docs.length; j++) {
            bytes += RamUsageEstimator.sizeOf(docs[j]);
            if (offsets[j] != null) {
                bytes += RamUsageEstimator.sizeOf(offsets[j]);
            } else {
                bytes += RamUsageEstimator.sizeOf(keys[j]) + RamUsageEstimator.sizeOf(starts[j]);
            }
        }
        return bytes;
    }
}
