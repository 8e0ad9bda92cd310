package org.imagehash.search.index;

import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Accountable;
import org.apache.lucene.util.BitSetIterator;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.RamUsageEstimator;
import org.imagehash.search.HashCodes;

import java.io.IOException;

/**
 * The codes of one segment's field laid out as one {@code long[]}. Scanning it is a tight loop over contiguous memory,
 * which is what lets an exact search run near memory bandwidth; reading through {@link BinaryDocValues} instead costs an
 * iterator step and a copy per document.
 *
 * <p>Codes of one word (64 bits) are stored in doc order: document {@code d}'s code is {@code codes[d]}. Longer codes
 * are stored in blocks of {@link #BLOCK} documents, word by word: within a block, word 0 of every document, then word 1,
 * and so on ({@link #offset}). A scan's loop over a block then reads each word at a stride of one, which the JIT
 * vectorises as it does the one-word loop; over codes stored whole, one after the other (stride 2 or 4), it ran
 * scalar: 1.08-1.11 vs 0.18-0.20 ns per 128-bit code, 1.30-1.35 vs 0.48 at 256 bits (100k codes in cache;
 * bench/kernels/LayoutLoops.java).
 *
 * <p>Documents without a code have all-zero words and a clear bit in {@link #docsWithCode()}; callers check that bit
 * only for documents that would otherwise be selected, so the common path pays nothing for it.
 */
public final class SegmentCodes implements Accountable {

    private static final long BASE_RAM = RamUsageEstimator.shallowSizeOfInstance(SegmentCodes.class);

    /** Documents per block of the layout (a power of two); scans work block by block ({@code HammingKernels}). */
    public static final int BLOCK = 256;

    /**
     * Index in {@link #codes()} of word 0 of document {@code doc}'s code; word {@code w} is at that index plus
     * {@code w * BLOCK}. For codes of one word, {@code doc} itself.
     */
    public static int offset(int doc, int words) {
        return (doc & -BLOCK) * words + (doc & (BLOCK - 1));
    }

    /** Length of the packed array for a segment: codes longer than one word fill whole blocks. */
    private static long length(int maxDoc, int words) {
        return words == 1 ? maxDoc : ((long) maxDoc + BLOCK - 1) / BLOCK * BLOCK * words;
    }

    private final int bits;
    private final int words;
    private final int maxDoc;
    private final long[] codes;
    private final FixedBitSet docsWithCode; // null when every document has a code
    private final int count;

    private SegmentCodes(int bits, int maxDoc, long[] codes, FixedBitSet docsWithCode, int count) {
        this.bits = bits;
        this.words = HashCodes.words(bits);
        this.maxDoc = maxDoc;
        this.codes = codes;
        this.docsWithCode = docsWithCode;
        this.count = count;
    }

    /** Bytes that {@link #load} will allocate for a segment of {@code maxDoc} documents. */
    public static long estimateBytes(int maxDoc, int bits) {
        return BASE_RAM + RamUsageEstimator.sizeOf(new long[0]) + length(maxDoc, HashCodes.words(bits)) * Long.BYTES
            + FixedBitSet.bits2words(maxDoc) * (long) Long.BYTES;
    }

    /**
     * Reads a field's codes from a segment's doc values.
     *
     * @return null when no document of the segment has the field
     * @throws IllegalStateException when a stored code does not have {@code bits} bits (a mapping that changed under
     *     the data, or corruption)
     */
    public static SegmentCodes load(LeafReader reader, String field, int bits) throws IOException {
        BinaryDocValues values = reader.getBinaryDocValues(field);
        if (values == null) {
            return null;
        }
        int maxDoc = reader.maxDoc();
        int words = HashCodes.words(bits);
        int bytes = bits / 8;
        long[] codes = new long[Math.toIntExact(length(maxDoc, words))];
        long[] unpacked = new long[words]; // one code's words, before they go to their places in the blocks
        FixedBitSet docsWithCode = new FixedBitSet(maxDoc);
        for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
            BytesRef code = values.binaryValue();
            if (code.length != bytes) {
                throw new IllegalStateException(
                    "field [" + field + "] holds a code of " + code.length * 8 + " bits in document " + doc + " but is mapped with " + bits
                );
            }
            HashCodes.toWords(code.bytes, code.offset, code.length, unpacked, 0);
            for (int w = 0, at = offset(doc, words); w < words; w++, at += BLOCK) {
                codes[at] = unpacked[w];
            }
            docsWithCode.set(doc);
        }
        int count = docsWithCode.cardinality();
        return new SegmentCodes(bits, maxDoc, codes, count == maxDoc ? null : docsWithCode, count);
    }

    public int bits() {
        return bits;
    }

    public int words() {
        return words;
    }

    public int maxDoc() {
        return maxDoc;
    }

    /** The packed codes, laid out as described above ({@link #offset}); read-only by contract (shared by every search). */
    public long[] codes() {
        return codes;
    }

    /** Number of documents that have a code. */
    public int count() {
        return count;
    }

    public boolean hasCode(int doc) {
        return docsWithCode == null || docsWithCode.get(doc);
    }

    /** The documents that have a code, in order. */
    public DocIdSetIterator docsWithCode() {
        return docsWithCode == null ? DocIdSetIterator.all(maxDoc) : new BitSetIterator(docsWithCode, count);
    }

    @Override
    public long ramBytesUsed() {
        return BASE_RAM + RamUsageEstimator.sizeOf(codes) + (docsWithCode == null ? 0 : docsWithCode.ramBytesUsed());
    }
}
