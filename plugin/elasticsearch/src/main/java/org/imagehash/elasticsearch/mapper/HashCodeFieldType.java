package org.imagehash.elasticsearch.mapper;

import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.BytesRef;
import org.imagehash.elasticsearch.EngineFieldType;
import org.imagehash.search.HashCodeField;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.mih.SubstringLayout;
import org.elasticsearch.index.fielddata.FieldDataContext;
import org.elasticsearch.index.fielddata.IndexFieldData;
import org.elasticsearch.index.mapper.ArraySourceValueFetcher;
import org.elasticsearch.index.mapper.ValueFetcher;
import org.elasticsearch.index.query.QueryShardException;
import org.elasticsearch.index.query.SearchExecutionContext;

import java.util.List;
import java.util.Map;

/**
 * The searchable side of a {@code hash_code} field in Elasticsearch: the engine-neutral {@link HashCodeField} (width,
 * accepted codes, queries) behind Elasticsearch's field type.
 */
public final class HashCodeFieldType extends EngineFieldType {

    private final HashCodeField field;

    public HashCodeFieldType(String name, int bits, Map<String, String> meta, SegmentCache cache, SubstringLayout substrings) {
        super(name, meta);
        this.field = new HashCodeField(name, bits, substrings, cache);
    }

    @Override
    public String typeName() {
        return HashCodeField.TYPE;
    }

    public HashCodeField field() {
        return field;
    }

    /** A {@code term} query on a code finds the documents with exactly that code. */
    @Override
    public Query termQuery(Object value, SearchExecutionContext context) {
        if (value instanceof BytesRef bytes) {
            value = bytes.utf8ToString(); // the term query hands strings over as UTF-8 bytes
        }
        try {
            return new ConstantScoreQuery(field.radiusQuery(field.parseCode(value), 0));
        } catch (IllegalArgumentException e) {
            throw new QueryShardException(context, e.getMessage(), e);
        }
    }

    @Override
    public ValueFetcher valueFetcher(SearchExecutionContext context, String format) {
        if (format != null) {
            throw new IllegalArgumentException("Field [" + name() + "] of type [" + typeName() + "] doesn't support formats.");
        }
        // _source keeps the code as sent (hex or bytes); `fields` always answers in hex
        return new ArraySourceValueFetcher(name(), context) {
            @Override
            protected Object parseSourceValue(Object value) {
                return List.of(HashCodes.toHex(field.parseCode(value)));
            }
        };
    }

    /** {@code docvalue_fields}, scripts and aggregations read the codes from the doc values, as hex strings. */
    @Override
    public IndexFieldData.Builder fielddataBuilder(FieldDataContext context) {
        failIfNoDocValues();
        return (cache, breakerService) -> new HashCodeIndexFieldData(name());
    }
}
