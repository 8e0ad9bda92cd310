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
import org.imagehash.search.index.SegmentCodes;

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
 * <p>In a segment whose codes are one word each (64 bits or fewer) and too many to stay in the caches
 * ({@link ProbeCost#cached}: over 2M codes), each substring's postings also keep their documents' codes beside them,
 * in the same order: verifying a posting is then the next word of a sequential read instead of a cache miss into the
 * packed codes (about 100 ns each in a 10M-code segment, which made the postings of a probe, not its lookups, its
 * cost). That takes 8 bytes more per document and substring.
 */
public final class SegmentSubstrings implements Accountable {

    static final int MAX_DIRECT_LENGTH = 24;
    private static final long BASE_RAM = RamUsageEstimator.shallowSizeOfInstance(SegmentSubstrings.class);

    private final int[][] docs; // docs[j]: documents grouped by value of substring j
    private final long[][] codes; // codes[j][i]: the code of docs[j][i], where kept beside them (see the class comment)
    private final int[][] offsets; // direct tables: docs of value v are docs[j][offsets[j][v] .. offsets[j][v + 1] - 1]
    private final long[][] keys; // otherwise: sorted distinct values, and
    private final int[][] starts; // docs of keys[j][i] are docs[j][starts[j][i] .. starts[j][i + 1] - 1]
    private final long values;
    private final long postings;

    private SegmentSubstrings(int[][] docs, long[][] codes, int[][] offsets, long[][] keys, int[][] starts, long values, long postings) {
        this.docs = docs;
        this.codes = codes;
        this.offsets = offsets;
        this.keys = keys;
        this.starts = starts;
        this.values = values;
        this.postings = postings;
    }

    /**
     * Reads a segment's substring terms of {@code field}.
     *
     * @param segmentCodes the segment's packed codes of the field, copied beside the postings where kept there
     * @return null when the segment has none (no document with a code)
     */
    public static SegmentSubstrings load(LeafReader reader, String field, SubstringLayout layout, SegmentCodes segmentCodes) throws IOException {
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
        long[][] codes = null;
        if (keepsCodes(reader.maxDoc(), segmentCodes.words())) {
            long[] packed = segmentCodes.codes(); // one word per document: the document's index is its offset
            codes = new long[m][];
            for (int j = 0; j < m; j++) {
                int[] d = docs[j];
                long[] c = codes[j] = new long[d.length];
                for (int i = 0; i < d.length; i++) {
                    c[i] = packed[d[i]];
                }
            }
        }
        return new SegmentSubstrings(docs, codes, offsets, keys, starts, values, postings);
    }

    static boolean direct(int length, int maxDoc) {
        return length <= MAX_DIRECT_LENGTH && (1L << length) <= 2L * maxDoc;
    }

    /** Whether a segment of {@code maxDoc} documents with codes of {@code words} words keeps codes beside its postings. */
    public static boolean keepsCodes(long maxDoc, int words) {
        return words == 1 && ProbeCost.cached(maxDoc, words) == false;
    }

    /** Whether the postings of this segment come with their codes ({@link #codes(int)}). */
    boolean keepsCodes() {
        return codes != null;
    }

    /** The codes of {@link #docs(int)}'s documents, in the same order; null where not kept ({@link #keepsCodes()}). */
    long[] codes(int j) {
        return codes == null ? null : codes[j];
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

    /** Bytes that {@link #load} will take at most for a segment of {@code docs} documents with a code of {@code words} words. */
    public static long estimateBytes(long docs, SubstringLayout layout, int words) {
        long bytes = BASE_RAM;
        for (int j = 0; j < layout.count(); j++) {
            bytes += 4 * docs + (direct(layout.length(j), (int) Math.min(Integer.MAX_VALUE, docs)) ? 4L * ((1L << layout.length(j)) + 1) : 12 * docs);
            bytes += keepsCodes(docs, words) ? 8 * docs : 0;
        }
        return bytes;
    }

    @Override
    public long ramBytesUsed() {
        long bytes = BASE_RAM;
        for (int j = 0; j < docs.length; j++) {
            bytes += RamUsageEstimator.sizeOf(docs[j]) + (codes == null ? 0 : RamUsageEstimator.sizeOf(codes[j]));
            if (offsets[j] != null) {
                bytes += RamUsageEstimator.sizeOf(offsets[j]);
            } else {
                bytes += RamUsageEstimator.sizeOf(keys[j]) + RamUsageEstimator.sizeOf(starts[j]);
            }
        }
        return bytes;
    }
}
