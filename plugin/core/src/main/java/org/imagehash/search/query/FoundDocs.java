package org.imagehash.search.query;

import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.RamUsageEstimator;

import java.util.Arrays;

/**
 * Documents a search found, with their Hamming distances, in increasing doc order: the k nearest of a shard (doc ids
 * of the whole reader) or the documents a probe found within a radius in one segment.
 */
record FoundDocs(int[] docs, int[] distances) { // arrays: equals and hashCode compare contents

    /** From {@code doc << 32 | distance} entries sorted by doc. */
    static FoundDocs fromPacked(long[] packed, int size) {
        int[] docs = new int[size];
        int[] distances = new int[size];
        for (int i = 0; i < size; i++) {
            docs[i] = (int) (packed[i] >>> 32);
            distances[i] = (int) packed[i];
        }
        return new FoundDocs(docs, distances);
    }

    int size() {
        return docs.length;
    }

    long ramBytesUsed() {
        return RamUsageEstimator.shallowSizeOfInstance(FoundDocs.class) + RamUsageEstimator.sizeOf(docs) + RamUsageEstimator.sizeOf(distances);
    }

    /** Index of {@code doc} among the found documents, or a negative number when it is not one of them. */
    int indexOf(int doc) {
        return Arrays.binarySearch(docs, doc);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FoundDocs that && Arrays.equals(docs, that.docs) && Arrays.equals(distances, that.distances);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(docs) + Arrays.hashCode(distances);
    }

    @Override
    public String toString() {
        return size() + " docs";
    }

    /** Scores the found documents {@code from .. to - 1}, whose doc ids are {@code docBase} above the segment's. */
    Scorer scorer(Weight weight, int from, int to, int docBase, float boost) {
        return new FoundDocsScorer(weight, from, to, docBase, boost);
    }

    /** Walks a run of the found documents, scored by {@link HammingScore}. */
    private final class FoundDocsScorer extends HashScorer {
        private final int from;
        private final int to;
        private final int docBase;
        private final float boost;
        private int index = -1;

        FoundDocsScorer(Weight weight, int from, int to, int docBase, float boost) {
            super(weight);
            this.from = from;
            this.to = to;
            this.docBase = docBase;
            this.boost = boost;
        }

        @Override
        public int docID() {
            if (index < 0) {
                return -1;
            }
            return index >= to ? DocIdSetIterator.NO_MORE_DOCS : docs[index] - docBase;
        }

        @Override
        public DocIdSetIterator iterator() {
            return new DocIdSetIterator() {
                @Override
                public int docID() {
                    return FoundDocsScorer.this.docID();
                }

                @Override
                public int nextDoc() {
                    index = index < 0 ? from : index + 1;
                    return docID();
                }

                @Override
                public int advance(int target) {
                    int start = index < 0 ? from : index + 1;
                    int found = Arrays.binarySearch(docs, start, to, docBase + target);
                    index = found >= 0 ? found : -1 - found;
                    return docID();
                }

                @Override
                public long cost() {
                    return to - from;
                }
            };
        }

        @Override
        public float score() {
            return HammingScore.score(distances[index], boost);
        }

        @Override
        public float getMaxScore(int upTo) {
            return boost;
        }
    }
}
