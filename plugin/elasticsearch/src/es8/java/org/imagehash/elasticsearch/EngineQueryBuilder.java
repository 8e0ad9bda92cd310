package org.imagehash.elasticsearch;

import org.apache.lucene.search.Query;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.SearchExecutionContext;

import java.io.IOException;

/** Elasticsearch 8 line: {@code doToQuery} takes the search context alone. */
public abstract class EngineQueryBuilder<QB extends EngineQueryBuilder<QB>> extends AbstractQueryBuilder<QB> {

    protected EngineQueryBuilder() {}

    protected EngineQueryBuilder(StreamInput in) throws IOException {
        super(in);
    }

    @Override
    protected final Query doToQuery(SearchExecutionContext context) throws IOException {
        return toLuceneQuery(context);
    }

    protected abstract Query toLuceneQuery(SearchExecutionContext context) throws IOException;
}
