package org.imagehash.search.query;

import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.DocIdSetBuilder;
import org.apache.lucene.util.FixedBitSet;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Doc id set conversions the scans need, in one place. */
final class DocIdSets {

    private DocIdSets() {}

    /** The documents of an unpositioned iterator, loaded in bulk where the Lucene line can. */
    static FixedBitSet toBitSet(DocIdSetIterator iterator, int maxDoc) throws IOException {
        FixedBitSet bits = new FixedBitSet(maxDoc);
        bits.or(iterator);
        return bits;
    }

    /** The built set's iterator; never null. */
    static DocIdSetIterator iterator(DocIdSetBuilder builder) {
        try {
            DocIdSetIterator it = builder.build().iterator();
            return it == null ? DocIdSetIterator.empty() : it;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory doc id sets do no I/O
        }
    }
}
