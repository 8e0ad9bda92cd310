package org.imagehash.search.query;

import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Matches;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;

import java.io.IOException;
import java.util.Objects;

/**
 * A rewritten query that carries the plan that produced it (which segments were probed, which scanned), so that
 * {@code explain} can say how a hit was found; matching and scoring are the wrapped query's.
 */
final class PlannedQuery extends Query {

    private final Query in;
    private final String plan;

    PlannedQuery(Query in, String plan) {
        this.in = Objects.requireNonNull(in);
        this.plan = Objects.requireNonNull(plan);
    }

    Query in() {
        return in;
    }

    @Override
    public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) throws IOException {
        Weight weight = in.createWeight(searcher, scoreMode, boost);
        return new Weight(this) {
            @Override
            public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
                return weight.scorerSupplier(context);
            }

            @Override
            public Explanation explain(LeafReaderContext context, int doc) throws IOException {
                Explanation e = weight.explain(context, doc);
                String description = withPlan(e.getDescription(), plan);
                return e.isMatch()
                    ? Explanation.match(e.getValue(), description, e.getDetails())
                    : Explanation.noMatch(description, e.getDetails());
            }

            @Override
            public Matches matches(LeafReaderContext context, int doc) throws IOException {
                return weight.matches(context, doc);
            }

            @Override
            public int count(LeafReaderContext context) throws IOException {
                return weight.count(context);
            }

            @Override
            public boolean isCacheable(LeafReaderContext context) {
                return weight.isCacheable(context);
            }
        };
    }

    /** Puts the plan before the description's trailing "computed as ... from:" (which Lucene's checks expect last). */
    static String withPlan(String description, String plan) {
        String note = " [plan: " + plan + "]";
        int at = description.indexOf(", computed as");
        return at < 0 ? description + note : description.substring(0, at) + note + description.substring(at);
    }

    @Override
    public String toString(String field) {
        return in.toString(field);
    }

    @Override
    public void visit(QueryVisitor visitor) {
        in.visit(visitor);
    }

    @Override
    public boolean equals(Object other) {
        return sameClassAs(other) && in.equals(((PlannedQuery) other).in);
    }

    @Override
    public int hashCode() {
        return 31 * classHash() + in.hashCode();
    }
}
