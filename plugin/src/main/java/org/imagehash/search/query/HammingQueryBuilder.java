package org.imagehash.search.query;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.imagehash.search.HashCodeValues;
import org.imagehash.search.HashCodes;
import org.imagehash.search.mapper.HashCodeFieldMapper;
import org.imagehash.search.mapper.HashCodeFieldType;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.query.AbstractQueryBuilder;
import org.opensearch.index.query.QueryBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * The {@code hamming} query: documents whose {@code hash_code} lies near a query code.
 *
 * <pre>
 * {"hamming": {"field": "code", "code": "a3f09c...", "k": 10, "max_distance": 6,
 *              "filter": {"term": {"tag": "shoes"}}, "ignore_unmapped": false, "boost": 1.0, "_name": "similar"}}
 * </pre>
 *
 * <ul>
 *   <li>{@code max_distance} alone: every document within that distance (usable as a filter clause).</li>
 *   <li>{@code k}: each shard's k nearest documents (within {@code max_distance} when given) among those matching
 *       {@code filter}; the coordinating node's usual merge gives the global top k. Ties go to the smaller doc id.</li>
 *   <li>neither: every document with a code, scored.</li>
 * </ul>
 * Score: {@code boost / (1 + distance)}.
 */
public final class HammingQueryBuilder extends AbstractQueryBuilder<HammingQueryBuilder> {

    public static final String NAME = "hamming";
    /** Same ceiling as the default {@code index.max_result_window}: a shard never returns more. */
    public static final int MAX_K = 10_000;

    static final ParseField FIELD_FIELD = new ParseField("field");
    static final ParseField CODE_FIELD = new ParseField("code");
    static final ParseField K_FIELD = new ParseField("k");
    static final ParseField MAX_DISTANCE_FIELD = new ParseField("max_distance");
    static final ParseField FILTER_FIELD = new ParseField("filter");
    static final ParseField IGNORE_UNMAPPED_FIELD = new ParseField("ignore_unmapped");

    private final String fieldName;
    private final byte[] code;
    private Integer k;
    private Integer maxDistance;
    private QueryBuilder filter;
    private boolean ignoreUnmapped;

    public HammingQueryBuilder(String fieldName, byte[] code) {
        if (fieldName == null || fieldName.isEmpty()) {
            throw new IllegalArgumentException("[" + NAME + "] requires [" + FIELD_FIELD.getPreferredName() + "]");
        }
        if (code == null || code.length == 0) {
            throw new IllegalArgumentException("[" + NAME + "] requires a non-empty [" + CODE_FIELD.getPreferredName() + "]");
        }
        this.fieldName = fieldName;
        this.code = code.clone();
    }

    public HammingQueryBuilder(StreamInput in) throws IOException {
        super(in);
        fieldName = in.readString();
        code = in.readByteArray();
        k = in.readOptionalVInt();
        maxDistance = in.readOptionalVInt();
        filter = in.readOptionalNamedWriteable(QueryBuilder.class);
        ignoreUnmapped = in.readBoolean();
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeString(fieldName);
        out.writeByteArray(code);
        out.writeOptionalVInt(k);
        out.writeOptionalVInt(maxDistance);
        out.writeOptionalNamedWriteable(filter);
        out.writeBoolean(ignoreUnmapped);
    }

    public String fieldName() {
        return fieldName;
    }

    public byte[] code() {
        return code.clone();
    }

    public Integer k() {
        return k;
    }

    public HammingQueryBuilder k(Integer k) {
        if (k != null && (k < 1 || k > MAX_K)) {
            throw new IllegalArgumentException("[" + NAME + "] [k] must be between 1 and " + MAX_K + ", got [" + k + "]");
        }
        this.k = k;
        return this;
    }

    public Integer maxDistance() {
        return maxDistance;
    }

    public HammingQueryBuilder maxDistance(Integer maxDistance) {
        if (maxDistance != null && maxDistance < 0) {
            throw new IllegalArgumentException("[" + NAME + "] [max_distance] must be >= 0, got [" + maxDistance + "]");
        }
        this.maxDistance = maxDistance;
        return this;
    }

    /** The query that restricts the candidates (before top k is taken); null for none. */
    public QueryBuilder filterQuery() {
        return filter;
    }

    /**
     * Restricts the candidates to the documents matching {@code filter}: with {@code k}, the k nearest among them.
     * (Not {@link #filter(QueryBuilder)}, which OpenSearch defines as wrapping this query in a {@code bool} filter.)
     */
    public HammingQueryBuilder filterQuery(QueryBuilder filter) {
        this.filter = filter;
        return this;
    }

    public boolean ignoreUnmapped() {
        return ignoreUnmapped;
    }

    public HammingQueryBuilder ignoreUnmapped(boolean ignoreUnmapped) {
        this.ignoreUnmapped = ignoreUnmapped;
        return this;
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field(FIELD_FIELD.getPreferredName(), fieldName);
        builder.field(CODE_FIELD.getPreferredName(), HashCodes.toHex(code));
        if (k != null) {
            builder.field(K_FIELD.getPreferredName(), k);
        }
        if (maxDistance != null) {
            builder.field(MAX_DISTANCE_FIELD.getPreferredName(), maxDistance);
        }
        if (filter != null) {
            builder.field(FILTER_FIELD.getPreferredName(), filter);
        }
        if (ignoreUnmapped) {
            builder.field(IGNORE_UNMAPPED_FIELD.getPreferredName(), true);
        }
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    public static HammingQueryBuilder fromXContent(XContentParser parser) throws IOException {
        String fieldName = null;
        byte[] code = null;
        Integer k = null;
        Integer maxDistance = null;
        QueryBuilder filter = null;
        boolean ignoreUnmapped = false;
        float boost = DEFAULT_BOOST;
        String queryName = null;

        String current = null;
        XContentParser.Token token;
        while ((token = parser.nextToken()) != XContentParser.Token.END_OBJECT) {
            if (token == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
            } else if (CODE_FIELD.match(current, parser.getDeprecationHandler())) {
                try {
                    code = HashCodeValues.parse(HashCodeValues.read(parser));
                } catch (IllegalArgumentException e) {
                    throw new ParsingException(
                        parser.getTokenLocation(),
                        "[" + NAME + "] [code] must be a hex string or an array of integers in [-128, 255]; " + e.getMessage()
                    );
                }
            } else if (FILTER_FIELD.match(current, parser.getDeprecationHandler())) {
                if (token != XContentParser.Token.START_OBJECT) {
                    throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [filter] must be a query object");
                }
                filter = parseInnerQueryBuilder(parser);
            } else if (token.isValue() == false) {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [" + current + "] must be a value, got " + token);
            } else if (FIELD_FIELD.match(current, parser.getDeprecationHandler())) {
                fieldName = parser.text();
            } else if (K_FIELD.match(current, parser.getDeprecationHandler())) {
                k = intValue(parser, current);
            } else if (MAX_DISTANCE_FIELD.match(current, parser.getDeprecationHandler())) {
                maxDistance = intValue(parser, current);
            } else if (IGNORE_UNMAPPED_FIELD.match(current, parser.getDeprecationHandler())) {
                ignoreUnmapped = parser.booleanValue();
            } else if (BOOST_FIELD.match(current, parser.getDeprecationHandler())) {
                boost = parser.floatValue();
            } else if (NAME_FIELD.match(current, parser.getDeprecationHandler())) {
                queryName = parser.text();
            } else {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] query does not support [" + current + "]");
            }
        }
        if (fieldName == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] requires [field]");
        }
        if (code == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] requires [code]");
        }
        try {
            return new HammingQueryBuilder(fieldName, code).k(k)
                .maxDistance(maxDistance)
                .filterQuery(filter)
                .ignoreUnmapped(ignoreUnmapped)
                .boost(boost)
                .queryName(queryName);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
        }
    }

    /** Integers only: 10.5 or "ten" is an error, not a silent truncation. */
    private static int intValue(XContentParser parser, String name) throws IOException {
        if (parser.currentToken() != XContentParser.Token.VALUE_NUMBER
            || (parser.numberType() != XContentParser.NumberType.INT && parser.numberType() != XContentParser.NumberType.LONG)) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [" + name + "] must be an integer, got [" + parser.text() + "]");
        }
        long value = parser.longValue();
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [" + name + "] is out of range: [" + value + "]");
        }
        return (int) value;
    }

    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        if (filter == null) {
            return this;
        }
        QueryBuilder rewritten = filter.rewrite(context);
        if (rewritten == filter) {
            return this;
        }
        return new HammingQueryBuilder(fieldName, code).k(k)
            .maxDistance(maxDistance)
            .filterQuery(rewritten)
            .ignoreUnmapped(ignoreUnmapped)
            .boost(boost)
            .queryName(queryName);
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        MappedFieldType fieldType = context.fieldMapper(fieldName);
        if (fieldType == null) {
            if (ignoreUnmapped) {
                return new MatchNoDocsQuery("field [" + fieldName + "] is not mapped");
            }
            throw new QueryShardException(
                context,
                "[" + NAME + "] field [" + fieldName + "] is not mapped; map it as [" + HashCodeFieldMapper.CONTENT_TYPE
                    + "] or set [ignore_unmapped] to true"
            );
        }
        if (fieldType instanceof HashCodeFieldType == false) {
            throw new QueryShardException(
                context,
                "[" + NAME + "] field [" + fieldName + "] is of type [" + fieldType.typeName() + "], but the query needs a field of type ["
                    + HashCodeFieldMapper.CONTENT_TYPE + "]"
            );
        }
        HashCodeFieldType hashCodeField = (HashCodeFieldType) fieldType;
        if (code.length * 8 != hashCodeField.bits()) {
            throw new QueryShardException(
                context,
                "[" + NAME + "] [code] has " + code.length * 8 + " bits (" + code.length * 2 + " hex digits) but field [" + fieldName
                    + "] has [bits: " + hashCodeField.bits() + "]"
            );
        }
        Query filterQuery = filter == null ? null : filter.toQuery(context);
        if (k != null) {
            return hashCodeField.hammingTopK(code, k, maxDistance, filterQuery);
        }
        Query hamming = hashCodeField.hammingQuery(code, maxDistance);
        if (filterQuery == null) {
            return hamming;
        }
        return new BooleanQuery.Builder().add(hamming, BooleanClause.Occur.MUST).add(filterQuery, BooleanClause.Occur.FILTER).build();
    }

    @Override
    protected boolean doEquals(HammingQueryBuilder other) {
        return fieldName.equals(other.fieldName)
            && Arrays.equals(code, other.code)
            && Objects.equals(k, other.k)
            && Objects.equals(maxDistance, other.maxDistance)
            && Objects.equals(filter, other.filter)
            && ignoreUnmapped == other.ignoreUnmapped;
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(fieldName, Arrays.hashCode(code), k, maxDistance, filter, ignoreUnmapped);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
