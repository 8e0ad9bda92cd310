package org.imagehash.opensearch.mapper;

import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.HashCodeValues;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.mih.ProbeCost;
import org.imagehash.search.mih.SubstringLayout;
import org.imagehash.search.query.HammingQuery;
import org.imagehash.search.query.HammingTopKQuery;
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
 * The searchable side of a {@code hash_code} field: its width, and the Lucene queries that search it.
 */
public final class HashCodeFieldType extends MappedFieldType {

    private final int bits;
    private final String modelId;
    private final SegmentCache cache;
    private final SubstringLayout substrings; // null unless the substrings are indexed (multi-index hashing)

    public HashCodeFieldType(String name, int bits, Map<String, String> meta, SegmentCache cache, SubstringLayout substrings) {
        this(name, bits, meta, cache, substrings, null);
    }

    /** The model whose codes this field holds (its {@code model_id} mapping parameter), or null when not said. */
    public String modelId() {
        return modelId;
    }

    public HashCodeFieldType(String name, int bits, Map<String, String> meta, SegmentCache cache, SubstringLayout substrings, String modelId) {
        super(name, false, false, true, TextSearchInfo.NONE, meta);
        this.bits = bits;
        this.modelId = modelId;
        this.cache = cache;
        this.substrings = substrings;
    }

    @Override
    public String typeName() {
        return HashCodeFieldMapper.CONTENT_TYPE;
    }

    public int bits() {
        return bits;
    }

    /** How the codes are cut into indexed substrings; null when they are not. */
    public SubstringLayout substrings() {
        return substrings;
    }

    /** Parses a code meant for this field, with an error that names the field. */
    public byte[] parseCode(Object value) {
        return HashCodeValues.parse(value, bits, "field [" + name() + "] of type [" + typeName() + "]");
    }

    /**
     * Every document within {@code maxDistance} of {@code code}; every document with a code if {@code maxDistance} is
     * null. Probed by multi-index hashing where the field's substrings are indexed and the planner expects it to pay.
     */
    public Query hammingQuery(byte[] code, Integer maxDistance) {
        checkLength(code);
        return new HammingQuery(name(), code, maxDistance == null ? bits : maxDistance, cache, substrings, ProbeCost.Mode.AUTO);
    }

    /** The {@code k} nearest documents among those matching {@code filter} (null for all), within {@code maxDistance}. */
    public Query hammingTopK(byte[] code, int k, Integer maxDistance, Query filter) {
        checkLength(code);
        return new HammingTopKQuery(name(), code, k, maxDistance == null ? bits : maxDistance, filter, cache, substrings, ProbeCost.Mode.AUTO);
    }

    /** The one check that a query code fits the field. */
    private void checkLength(byte[] code) {
        if (code.length * 8 != bits) {
            throw new IllegalArgumentException(
                "[code] has " + code.length * 8 + " bits (" + code.length * 2 + " hex digits) but field [" + name() + "] has [bits: " + bits + "]"
            );
        }
    }

    /** A {@code term} query on a code finds the documents with exactly that code. */
    @Override
    public Query termQuery(Object value, QueryShardContext context) {
        if (value instanceof BytesRef bytes) {
            value = bytes.utf8ToString(); // the term query hands strings over as UTF-8 bytes
        }
        try {
            return new ConstantScoreQuery(hammingQuery(parseCode(value), 0));
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
