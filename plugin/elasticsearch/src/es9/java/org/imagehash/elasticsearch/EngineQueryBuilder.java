package org.imagehash.elasticsearch;

import org.apache.lucene.search.Query;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.search.internal.MaxClauseCountQueryVisitor;

import java.io.IOException;

/** Elasticsearch 9 line: {@code doToQuery} also receives the clause-count visitor. */
public abstract class EngineQueryBuilder<QB extends EngineQueryBuilder<QB>> extends AbstractQueryBuilder<QB> {

    protected EngineQueryBuilder() {}

    protected EngineQueryBuilder(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected final Query doToQuery(SearchExecutionContext context, MaxClauseCountQueryVisitor visitor) throws IOException {
        return toLuceneQuery(context);
    }

    protected abstract Query toLuceneQuery(SearchExecutionContext context) throws IOException;
}
