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
 * The codes of one segment's field laid out as one {@code long[]}: document {@code d}'s code is
 * {@code codes[d * words ... d * words + words - 1]}. Scanning it is a tight loop over contiguous memory, which is what
 * lets an exact search run near memory bandwidth; reading through {@link BinaryDocValues} instead costs an iterator
 * step and a copy per document.
 *
 * <p>Documents without a code have all-zero words and a clear bit in {@link #docsWithCode()}; callers check that bit
 * only for documents that would otherwise be selected, so the common path pays nothing for it.
 */
public final class SegmentCodes implements Accountable {

    private static final long BASE_RAM = RamUsageEstimator.shallowSizeOfInstance(SegmentCodes.class);

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
        return BASE_RAM + RamUsageEstimator.sizeOf(new long[0]) + (long) maxDoc * HashCodes.words(bits) * Long.BYTES
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
        long[] codes = new long[Math.multiplyExact(maxDoc, words)];
        FixedBitSet docsWithCode = new FixedBitSet(maxDoc);
        for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
            BytesRef code = values.binaryValue();
            if (code.length != bytes) {
                throw new IllegalStateException(
                    "field [" + field + "] holds a code of " + code.length * 8 + " bits in document " + doc + " but is mapped with " + bits
                );
            }
            HashCodes.toWords(code.bytes, code.offset, code.length, codes, doc * words);
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

    /** The packed codes; read-only by contract (shared by every search on the segment). */
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
