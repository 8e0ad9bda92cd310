package org.imagehash.opensearch.query;

import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.imagehash.opensearch.mapper.HashCodeFieldType;
import org.imagehash.search.HashCodeField;
import org.imagehash.search.query.HammingQueryJson;
import org.imagehash.search.query.ImageEncoder;
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
import java.util.Objects;

/**
 * The {@code hamming} query: documents whose {@code hash_code} lies near a query code.
 *
 * <pre>
 * {"hamming": {"field": "code", "code": "a3f09c...", "k": 10, "max_distance": 6,
 *              "filter": {"term": {"tag": "shoes"}}, "ignore_unmapped": false, "boost": 1.0, "_name": "similar"}}
 * </pre>
 *
 * The query code comes from a {@link CodeSource}: {@code code} (hex or byte array); {@code image} (base64) with
 * {@code model_id}, encoded once on the coordinating node while the query is rewritten; {@code like: {"index": ...,
 * "id": ...}}, the code stored in that document's same field. {@link HammingQueryParser} reads the JSON; the field
 * type's factories build the Lucene query.
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

    public static final String NAME = HammingQueryJson.NAME;
    public static final int MAX_K = HammingQueryJson.MAX_K;

    private final String fieldName;
    private final CodeSource source;
    private final ImageEncoder encoder; // node-local, never serialized
    private Integer k;
    private Integer maxDistance;
    private QueryBuilder filter;
    private boolean ignoreUnmapped;

    public HammingQueryBuilder(String fieldName, byte[] code) {
        this(fieldName, new CodeSource.Code(code), null);
    }

    HammingQueryBuilder(String fieldName, CodeSource source, ImageEncoder encoder) {
        if (fieldName == null || fieldName.isEmpty()) {
            throw new IllegalArgumentException("[" + NAME + "] requires [" + "field" + "]");
        }
        this.fieldName = fieldName;
        this.source = Objects.requireNonNull(source);
        this.encoder = encoder;
    }

    /** A query by image: the code is computed with {@code modelId} (null: the bundled model) when the query is rewritten. */
    public static HammingQueryBuilder byImage(String fieldName, String base64Image, String modelId, ImageEncoder encoder) {
        return new HammingQueryBuilder(fieldName, new CodeSource.Image(base64Image, modelId), encoder);
    }

    /** A query by example: the code stored in document {@code id} of {@code index}, in the same field. */
    public static HammingQueryBuilder like(String fieldName, String index, String id) {
        return new HammingQueryBuilder(fieldName, new CodeSource.Like(index, id), null);
    }

    /** The builder for a parsed query (its filter aside). */
    static HammingQueryBuilder from(HammingQueryJson json, ImageEncoder encoder) {
        CodeSource source = json.code() != null ? new CodeSource.Code(json.code())
            : json.image() != null ? new CodeSource.Image(json.image(), json.modelId())
            : new CodeSource.Like(json.likeIndex(), json.likeId());
        return new HammingQueryBuilder(json.field(), source, encoder).k(json.k())
            .maxDistance(json.maxDistance())
            .ignoreUnmapped(json.ignoreUnmapped())
            .boost(json.boost())
            .queryName(json.queryName());
    }

    public static HammingQueryBuilder fromXContent(XContentParser parser, ImageEncoder encoder) throws IOException {
        return HammingQueryParser.parse(parser, encoder, AbstractQueryBuilder::parseInnerQueryBuilder);
    }

    public HammingQueryBuilder(StreamInput in, ImageEncoder encoder) throws IOException {
        super(in);
        fieldName = in.readString();
        source = CodeSource.readFrom(in);
        k = in.readOptionalVInt();
        maxDistance = in.readOptionalVInt();
        filter = in.readOptionalNamedWriteable(QueryBuilder.class);
        ignoreUnmapped = in.readBoolean();
        this.encoder = encoder;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeString(fieldName);
        source.writeTo(out);
        out.writeOptionalVInt(k);
        out.writeOptionalVInt(maxDistance);
        out.writeOptionalNamedWriteable(filter);
        out.writeBoolean(ignoreUnmapped);
    }

    /** A copy with the same options, another code source and filter. */
    private HammingQueryBuilder with(CodeSource newSource, QueryBuilder newFilter) {
        return new HammingQueryBuilder(fieldName, newSource, encoder).k(k)
            .maxDistance(maxDistance)
            .filterQuery(newFilter)
            .ignoreUnmapped(ignoreUnmapped)
            .boost(boost)
            .queryName(queryName);
    }

    public String fieldName() {
        return fieldName;
    }

    public CodeSource source() {
        return source;
    }

    /** The query code; null while it still has to come from an image or a liked document. */
    public byte[] code() {
        return source.code();
    }

    public Integer k() {
        return k;
    }

    public HammingQueryBuilder k(Integer k) {
        this.k = HammingQueryJson.checkK(k);
        return this;
    }

    public Integer maxDistance() {
        return maxDistance;
    }

    public HammingQueryBuilder maxDistance(Integer maxDistance) {
        this.maxDistance = HammingQueryJson.checkMaxDistance(maxDistance);
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
        builder.field("field", fieldName);
        source.toXContent(builder);
        if (k != null) {
            builder.field("k", k);
        }
        if (maxDistance != null) {
            builder.field("max_distance", maxDistance);
        }
        if (filter != null) {
            builder.field("filter", filter);
        }
        if (ignoreUnmapped) {
            builder.field("ignore_unmapped", true);
        }
        printBoostAndQueryName(builder);
        builder.endObject();
    }

    /** Resolves the code source (encoding an image, fetching a liked document) and rewrites the filter. */
    @Override
    protected QueryBuilder doRewrite(QueryRewriteContext context) throws IOException {
        CodeSource resolved = source.rewrite(context, fieldName, encoder);
        QueryBuilder rewrittenFilter = filter == null || resolved.code() == null ? filter : filter.rewrite(context);
        return resolved == source && rewrittenFilter == filter ? this : with(resolved, rewrittenFilter);
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        byte[] code = source.code();
        if (code == null) {
            throw new IllegalStateException("[" + NAME + "] must be rewritten before it is turned into a Lucene query");
        }
        MappedFieldType fieldType = context.fieldMapper(fieldName);
        if (fieldType == null && ignoreUnmapped) {
            return new MatchNoDocsQuery("field [" + fieldName + "] is not mapped");
        }
        if (fieldType instanceof HashCodeFieldType == false) {
            String why = fieldType == null ? HashCodeField.notMapped(fieldName) : HashCodeField.notAHashCodeField(fieldName, fieldType.typeName());
            throw new QueryShardException(context, "[" + NAME + "] " + why);
        }
        Query filterQuery = filter == null ? null : filter.toQuery(context);
        try {
            return ((HashCodeFieldType) fieldType).field().query(code, k, maxDistance, filterQuery);
        } catch (IllegalArgumentException e) { // the code does not fit the field
            throw new QueryShardException(context, "[" + NAME + "] " + e.getMessage(), e);
        }
    }

    @Override
    protected boolean doEquals(HammingQueryBuilder other) {
        return fieldName.equals(other.fieldName)
            && source.equals(other.source)
            && Objects.equals(k, other.k)
            && Objects.equals(maxDistance, other.maxDistance)
            && Objects.equals(filter, other.filter)
            && ignoreUnmapped == other.ignoreUnmapped;
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(fieldName, source, k, maxDistance, filter, ignoreUnmapped);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
