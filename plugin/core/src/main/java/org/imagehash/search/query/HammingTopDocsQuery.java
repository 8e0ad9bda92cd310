package org.imagehash.search.query;

import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link HammingTopKQuery} rewrites to, whichever strategy searched each segment: the documents it selected in
 * one index reader, with their distances, and the plan that found them (shown by {@code explain}). Bound to that
 * reader, as Lucene's own kNN results are.
 */
final class HammingTopDocsQuery extends Query {

    private final HammingTopKQuery source;
    private final FoundDocs found; // doc ids of the whole reader
    private final int[] segmentStarts; // found docs of leaf i are found[segmentStarts[i] ... segmentStarts[i + 1] - 1]
    private final Object readerId;

    HammingTopDocsQuery(HammingTopKQuery source, FoundDocs found, IndexReader reader) {
        this.source = source;
        this.found = found;
        this.segmentStarts = segmentStarts(reader.leaves(), found.docs());
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
        return new HashWeight(this) {
            @Override
            public Explanation explain(LeafReaderContext context, int doc) {
                int i = found.indexOf(context.docBase + doc);
                Explanation e = i < 0
                    ? Explanation.noMatch("not among the " + found.size() + " nearest documents of [" + source + "]")
                    : HammingExplanations.distance(source.field(), found.distances()[i], boost);
                return HammingExplanations.withPlan(e, source.plan());
            }

            @Override
            public int count(LeafReaderContext context) {
                return segmentStarts[context.ord + 1] - segmentStarts[context.ord];
            }

            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) {
                int from = segmentStarts[context.ord];
                int to = segmentStarts[context.ord + 1];
                return from == to ? null : ScorerSuppliers.of(found.scorer(this, from, to, context.docBase, boost));
            }

            @Override
            public boolean isCacheable(LeafReaderContext context) {
                return true;
            }
        };
    }

    @Override
    public String toString(String defaultField) {
        return "hamming_top_docs(" + found.size() + " docs of " + source.toString(defaultField) + ")";
    }

    @Override
    public void visit(QueryVisitor visitor) {
        if (visitor.acceptField(source.field())) {
            visitor.visitLeaf(this); // the filter has done its work: its terms no longer match anything here
        }
    }

    @Override
    public boolean equals(Object other) {
        if (sameClassAs(other) == false) {
            return false;
        }
        HammingTopDocsQuery that = (HammingTopDocsQuery) other;
        return readerId == that.readerId && source.equals(that.source) && found.equals(that.found);
    }

    @Override
    public int hashCode() {
        return Objects.hash(classHash(), source, readerId, found);
    }
}
