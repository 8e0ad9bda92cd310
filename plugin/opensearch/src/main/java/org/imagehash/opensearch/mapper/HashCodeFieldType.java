package org.imagehash.opensearch.mapper;

import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.HashCodeField;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.mih.SubstringLayout;
import org.opensearch.index.fielddata.IndexFieldData;
import org.opensearch.index.mapper.ArraySourceValueFetcher;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.mapper.TextSearchInfo;
import org.opensearch.index.mapper.ValueFetcher;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.search.lookup.SearchLookup;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The searchable side of a {@code hash_code} field in OpenSearch: the engine-neutral {@link HashCodeField} (width,
 * accepted codes, queries) behind OpenSearch's field type.
 */
public final class HashCodeFieldType extends MappedFieldType {

    private final HashCodeField field;
    private final String modelId;

    public HashCodeFieldType(String name, int bits, Map<String, String> meta, SegmentCache cache, SubstringLayout substrings) {
        this(name, bits, meta, cache, substrings, null);
    }

    /** The model whose codes this field holds (its {@code model_id} mapping parameter), or null when not said. */
    public String modelId() {
        return modelId;
    }

    public HashCodeFieldType(String name, int bits, Map<String, String> meta, SegmentCache cache, SubstringLayout substrings, String modelId) {
        super(name, false, false, true, TextSearchInfo.NONE, meta);
        this.field = new HashCodeField(name, bits, substrings, cache);
        this.modelId = modelId;
    }

    @Override
    public String typeName() {
        return HashCodeField.TYPE;
    }

    /** The field as the engine-neutral core sees it: its codes and queries. */
    public HashCodeField field() {
        return field;
    }

    public int bits() {
        return field.bits();
    }

    /** How the codes are cut into indexed substrings; null when they are not. */
    public SubstringLayout substrings() {
        return field.substrings();
    }

    /** Parses a code meant for this field, with an error that names the field. */
    public byte[] parseCode(Object value) {
        return field.parseCode(value);
    }

    /** See {@link HashCodeField#radiusQuery}. */
    public Query hammingQuery(byte[] code, Integer maxDistance) {
        return field.radiusQuery(code, maxDistance);
    }

    /** See {@link HashCodeField#topKQuery}. */
    public Query hammingTopK(byte[] code, int k, Integer maxDistance, Query filter) {
        return field.topKQuery(code, k, maxDistance, filter);
    }

    /** A {@code term} query on a code finds the documents with exactly that code. */
    @Override
    public Query termQuery(Object value, QueryShardContext context) {
        if (value instanceof BytesRef bytes) {
            value = bytes.utf8ToString(); // the term query hands strings over as UTF-8 bytes
        }
        try {
            return new ConstantScoreQuery(field.radiusQuery(parseCode(value), 0));
        } catch (IllegalArgumentException e) {
            throw new QueryShardException(context, e.getMessage(), e);
        }
    }

    @Override
    public ValueFetcher valueFetcher(QueryShardContext context, SearchLookup searchLookup, String format) {
        if (format != null) {
            throw new IllegalArgumentException("Field [" + name() + "] of type [" + typeName() + "] doesn't support formats.");
        }
        // _source keeps the code as sent (hex or bytes); `fields` always answers in hex
        return new ArraySourceValueFetcher(name(), context) {
            @Override
            protected Object parseSourceValue(Object value) {
                return List.of(HashCodes.toHex(parseCode(value)));
            }
        };
    }

    @Override
    public IndexFieldData.Builder fielddataBuilder(String fullyQualifiedIndexName, Supplier<SearchLookup> searchLookup) {
        failIfNoDocValues();
        return (cache, breakerService) -> new HashCodeIndexFieldData(name());
    }
}
