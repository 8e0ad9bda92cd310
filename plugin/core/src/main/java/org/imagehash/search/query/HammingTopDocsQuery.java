package org.imagehash.search.query;

import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link HammingTopKQuery} rewrites to: the documents it selected in one index reader, with their distances.
 * Bound to that reader, as Lucene's own kNN results are.
 */
final class HammingTopDocsQuery extends Query {

    private final Query source;
    private final String field;
    private final int[] docs; // global doc ids, increasing
    private final int[] distances;
    private final int[] segmentStarts; // docs of leaf i are docs[segmentStarts[i] ... segmentStarts[i + 1] - 1]
    private final Object readerId;

    HammingTopDocsQuery(Query source, String field, int[] docs, int[] distances, IndexReader reader) {
        this.source = source;
        this.field = field;
        this.docs = docs;
        this.distances = distances;
        this.segmentStarts = segmentStarts(reader.leaves(), docs);
        this.readerId = reader.getContext().id();
    }

    private static int[] segmentStarts(List<LeafReaderContext> leaves, int[] docs) {
        int[] starts = new int[leaves.size() + 1];
        int i = 0;
        for (int leaf = 0; leaf < leaves.size(); leaf++) {
            starts[leaf] = i;
            int end = leaves.get(leaf).docBase + leaves.get(leaf).reader().maxDoc();
            while (i < docs.length && docs[i] < end) {
                i++;
            }
        }
        starts[leaves.size()] = docs.length;
        return starts;
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
        if (searcher.getIndexReader().getContext().id() != readerId) {
            throw new IllegalStateException("[" + source + "] was rewritten for another index reader");
        }
        return new Weight(this) {
            @Override
            public Explanation explain(LeafReaderContext context, int doc) {
                int found = Arrays.binarySearch(docs, context.docBase + doc);
                if (found < 0) {
                    return Explanation.noMatch("not among the " + docs.length + " nearest documents of [" + source + "]");
                }
                return HammingQuery.explainDistance(field, distances[found], boost);
            }

            @Override
            public int count(LeafReaderContext context) {
                return segmentStarts[context.ord + 1] - segmentStarts[context.ord];
            }

            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) {
                int from = segmentStarts[context.ord];
                int to = segmentStarts[context.ord + 1];
                if (from == to) {
                    return null;
                }
                return new DefaultScorerSupplier(new TopDocsScorer(context.docBase, from, to, boost));
            }

            @Override
            public boolean isCacheable(LeafReaderContext context) {
                return true;
            }
        };
    }

    /** Walks the selected documents of one leaf. */
    private final class TopDocsScorer extends Scorer {
        private final int docBase;
        private final int from;
        private final int to;
        private final float boost;
        private int index = -1;

        TopDocsScorer(int docBase, int from, int to, float boost) {
            this.docBase = docBase;
            this.from = from;
            this.to = to;
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
                    return TopDocsScorer.this.docID();
                }

                @Override
                public int nextDoc() {
                    index = index < 0 ? from : index + 1;
                    return docID();
                }

                @Override
                public int advance(int target) {
                    int start = Math.max(index < 0 ? from : index + 1, from);
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

    @Override
    public String toString(String defaultField) {
        return "hamming_top_docs(" + docs.length + " docs of " + source.toString(defaultField) + ")";
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
        HammingTopDocsQuery that = (HammingTopDocsQuery) other;
        return readerId == that.readerId
            && source.equals(that.source)
            && Arrays.equals(docs, that.docs)
            && Arrays.equals(distances, that.distances);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), source, readerId, Arrays.hashCode(docs), Arrays.hashCode(distances));
    }
}
