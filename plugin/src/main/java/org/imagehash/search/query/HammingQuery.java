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
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCodes;
import org.imagehash.search.index.SegmentCodesCache;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Matches the documents whose code lies within {@code maxDistance} bits of a query code (every document with a code
 * when {@code maxDistance >= bits}), scored by {@link HammingScore}.
 *
 * <p>The distance check is a {@link TwoPhaseIterator}: inside a conjunction (a {@code bool} filter, say) the cheaper
 * clauses lead and only their candidates pay for a popcount.
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
                return new DefaultScorerSupplier(new HammingScorer(codes, query, maxDistance, boost));
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

        HammingScorer(SegmentCodes codes, long[] query, int maxDistance, float boost) {
            this.codes = codes;
            this.codeWords = codes.codes();
            this.query = query;
            this.words = codes.words();
            this.maxDistance = maxDistance;
            this.boost = boost;
            this.approximation = codes.docsWithCode();
            if (maxDistance >= codes.bits()) {
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
