package org.imagehash.search.query;

import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.TwoPhaseIterator;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.DocIdSetBuilder;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.index.SegmentCodesCache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Matches the documents whose code lies within {@code maxDistance} bits of a query code (every document with a code
 * when {@code maxDistance >= bits}), scored by {@link HammingScore}.
 *
 * <p>When the query leads (alone, or beside clauses that match more than 1/16 of the documents) each segment's codes are
 * scanned up front in blocks, at memory speed. When a selective clause leads (a {@code bool} filter, say), the distance
 * check is a {@link TwoPhaseIterator}: only that clause's candidates pay for a popcount.
 */
public final class HammingQuery extends Query {

    private final String field;
    private final byte[] code;
    private final int maxDistance;
    private final SegmentCodesCache cache;

    /**
     * @param code the query code; its length fixes the field's bits
     * @param maxDistance largest distance that matches; {@code >= bits} matches every document with a code
     */
    public HammingQuery(String field, byte[] code, int maxDistance, SegmentCodesCache cache) {
        this.field = Objects.requireNonNull(field);
        this.code = code.clone();
        this.maxDistance = Math.min(maxDistance, bits());
        this.cache = Objects.requireNonNull(cache);
        if (maxDistance < 0) {
            throw new IllegalArgumentException("max_distance must be >= 0, got " + maxDistance);
        }
    }

    public String field() {
        return field;
    }

    public int bits() {
        return code.length * 8;
    }

    public int maxDistance() {
        return maxDistance;
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
        final long[] query = HashCodes.toWords(code);
        final int bits = bits();
        return new Weight(this) {
            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
                SegmentCodes codes = cache.get(context, field, bits);
                if (codes == null || codes.count() == 0) {
                    return null;
                }
                if (maxDistance >= bits) {
                    return new DefaultScorerSupplier(new HammingScorer(codes, query, maxDistance, boost, null));
                }
                return new ScorerSupplier() {
                    @Override
                    public Scorer get(long leadCost) {
                        // Leading (alone, or the cheapest clause of a conjunction, or nearly): scan the segment's codes
                        // in blocks at memory speed. Led by a selective clause: confirm only its candidates.
                        boolean eager = leadCost >= codes.count() / EAGER_SCAN_FRACTION;
                        DocIdSetIterator within = eager ? scanWithin(codes, query, maxDistance) : null;
                        return new HammingScorer(codes, query, maxDistance, boost, within);
                    }

                    @Override
                    public long cost() {
                        return codes.count();
                    }
                };
            }

            @Override
            public Explanation explain(LeafReaderContext context, int doc) throws IOException {
                SegmentCodes codes = cache.get(context, field, bits);
                if (codes == null || codes.hasCode(doc) == false) {
                    return Explanation.noMatch("document has no code in field [" + field + "]");
                }
                int distance = HammingDistance.distance(codes.codes(), doc * codes.words(), query, codes.words());
                if (distance > maxDistance) {
                    return Explanation.noMatch("hamming distance " + distance + " is greater than max_distance " + maxDistance);
                }
                return explainDistance(field, distance, boost);
            }

            @Override
            public boolean isCacheable(LeafReaderContext context) {
                return DocValues.isCacheable(context, field);
            }
        };
    }

    /**
     * A scorer leads with the eager scan unless the clause leading its conjunction matches fewer than this fraction of
     * the documents: a block scan costs well under a nanosecond per code, a two-phase check several per candidate.
     */
    static final int EAGER_SCAN_FRACTION = 16;

    /**
     * The documents of a segment within {@code maxDistance} of the query, by the same block scan as the top-k query
     * ({@link HammingTopKQuery#BLOCK}): a vectorised min pass per block, and a second pass only over the blocks that hold
     * a match.
     */
    static DocIdSetIterator scanWithin(SegmentCodes codes, long[] query, int maxDistance) {
        final long[] c = codes.codes();
        final int maxDoc = codes.maxDoc();
        final int words = codes.words();
        final int block = HammingTopKQuery.BLOCK;
        final int[] hits = new int[block];
        final DocIdSetBuilder builder = new DocIdSetBuilder(maxDoc);
        final long q0 = query[0];
        for (int start = 0; start < maxDoc; start += block) {
            final int end = Math.min(maxDoc, start + block);
            int min = Integer.MAX_VALUE;
            switch (words) {
                case 1 -> {
                    for (int doc = start; doc < end; doc++) {
                        min = Math.min(min, Long.bitCount(c[doc] ^ q0));
                    }
                }
                case 4 -> {
                    final long q1 = query[1], q2 = query[2], q3 = query[3];
                    for (int doc = start, o = start * 4; doc < end; doc++, o += 4) {
                        min = Math.min(
                            min,
                            Long.bitCount(c[o] ^ q0) + Long.bitCount(c[o + 1] ^ q1) + Long.bitCount(c[o + 2] ^ q2) + Long.bitCount(
                                c[o + 3] ^ q3
                            )
                        );
                    }
                }
                default -> min = 0; // no min pass: check every document
            }
            if (min > maxDistance) {
                continue;
            }
            int count = 0;
            for (int doc = start; doc < end; doc++) {
                if (HammingDistance.distance(c, doc * words, query, words) <= maxDistance && codes.hasCode(doc)) {
                    hits[count++] = doc;
                }
            }
            if (count > 0) {
                DocIdSetBuilder.BulkAdder adder = builder.grow(count);
                for (int i = 0; i < count; i++) {
                    adder.add(hits[i]);
                }
            }
        }
        try {
            DocIdSetIterator it = builder.build().iterator();
            return it == null ? DocIdSetIterator.empty() : it;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory doc id sets do no I/O
        }
    }

    /** The explanation every hamming query gives for a match: the distance and how it became the score. */
    static Explanation explainDistance(String field, int distance, float boost) {
        return Explanation.match(
            HammingScore.score(distance, boost),
            "hamming distance " + distance + " in field [" + field + "], computed as boost / (1 + distance) from:",
            Explanation.match(distance, "hamming distance"),
            Explanation.match(boost, "boost")
        );
    }

    /** Scores the documents of one segment; the distance of the current document is computed once. */
    private static final class HammingScorer extends Scorer {
        private final SegmentCodes codes;
        private final long[] codeWords;
        private final long[] query;
        private final int words;
        private final int maxDistance;
        private final float boost;
        private final DocIdSetIterator approximation;
        private final TwoPhaseIterator twoPhase; // null when every document with a code matches
        private final DocIdSetIterator iterator;
        private int distanceDoc = -1;
        private int distance;

        /** @param within the matching documents, when already known (eager scan); null for a two-phase check */
        HammingScorer(SegmentCodes codes, long[] query, int maxDistance, float boost, DocIdSetIterator within) {
            this.codes = codes;
            this.codeWords = codes.codes();
            this.query = query;
            this.words = codes.words();
            this.maxDistance = maxDistance;
            this.boost = boost;
            this.approximation = within != null ? within : codes.docsWithCode();
            if (within != null || maxDistance >= codes.bits()) {
                this.twoPhase = null;
                this.iterator = approximation;
            } else {
                this.twoPhase = new TwoPhaseIterator(approximation) {
                    @Override
                    public boolean matches() {
                        return distance(approximation.docID()) <= HammingScorer.this.maxDistance;
                    }

                    @Override
                    public float matchCost() {
                        return words; // one XOR + popcount per word
                    }
                };
                this.iterator = TwoPhaseIterator.asDocIdSetIterator(twoPhase);
            }
        }

        private int distance(int doc) {
            if (doc != distanceDoc) {
                distance = HammingDistance.distance(codeWords, doc * words, query, words);
                distanceDoc = doc;
            }
            return distance;
        }

        @Override
        public int docID() {
            return approximation.docID();
        }

        @Override
        public DocIdSetIterator iterator() {
            return iterator;
        }

        @Override
        public TwoPhaseIterator twoPhaseIterator() {
            return twoPhase;
        }

        @Override
        public float score() {
            return HammingScore.score(distance(approximation.docID()), boost);
        }

        @Override
        public float getMaxScore(int upTo) {
            return boost;
        }
    }

    @Override
    public String toString(String defaultField) {
        StringBuilder sb = new StringBuilder("hamming(");
        if (field.equals(defaultField) == false) {
            sb.append(field).append(':');
        }
        sb.append(HashCodes.toHex(code));
        if (maxDistance < bits()) {
            sb.append(" max_distance:").append(maxDistance);
        }
        return sb.append(')').toString();
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(field)) {
            visitor.visitLeaf(this);
        }
    }

    @Override
    public boolean equals(Object other) {
        if (sameClassAs(other) == false) {
            return false;
        }
        HammingQuery that = (HammingQuery) other;
        return field.equals(that.field) && maxDistance == that.maxDistance && Arrays.equals(code, that.code);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), field, maxDistance, Arrays.hashCode(code));
    }
}
