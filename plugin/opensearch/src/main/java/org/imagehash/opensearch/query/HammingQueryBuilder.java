package org.imagehash.opensearch.query;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.imagehash.search.HashCodeValues;
import org.imagehash.search.HashCodes;
import org.imagehash.opensearch.mapper.HashCodeFieldMapper;
import org.imagehash.opensearch.mapper.HashCodeFieldType;
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

import org.apache.lucene.util.SetOnce;
import org.imagehash.model.ImageBytes;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.UnknownModelException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.action.get.GetRequest;
import org.opensearch.action.get.GetResponse;
import org.opensearch.common.xcontent.support.XContentMapValues;
import org.opensearch.core.action.ActionListener;

import java.io.IOException;
import java.util.function.Supplier;
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
 * The query code is one of: {@code code} (hex or byte array); {@code image} (base64) with {@code model_id}, encoded
 * once on the coordinating node while the query is rewritten; {@code like: {"index": ..., "id": ...}}, the code stored
 * in that document's same field.
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
    static final ParseField IMAGE_FIELD = new ParseField("image");
    static final ParseField MODEL_ID_FIELD = new ParseField("model_id");
    static final ParseField LIKE_FIELD = new ParseField("like");

    /** A stored document whose code is the query code. */
    public record Like(String index, String id) {
        public Like {
            if (index == null || index.isEmpty() || id == null || id.isEmpty()) {
                throw new IllegalArgumentException("[" + NAME + "] [like] needs both [index] and [id]");
            }
        }
    }

    private final String fieldName;
    private final byte[] code; // null until an image or a liked document has given it
    private final String image;
    private final String modelId;
    private final Like like;
    private final Supplier<byte[]> fetchedCode; // set while a liked document is being fetched
    private final ImageEncoder encoder; // node-local, never serialized
    private Integer k;
    private Integer maxDistance;
    private QueryBuilder filter;
    private boolean ignoreUnmapped;

    public HammingQueryBuilder(String fieldName, byte[] code) {
        this(fieldName, requireCode(code), null, null, null, null, null);
    }

    private HammingQueryBuilder(
        String fieldName,
        byte[] code,
        String image,
        String modelId,
        Like like,
        Supplier<byte[]> fetchedCode,
        ImageEncoder encoder
    ) {
        if (fieldName == null || fieldName.isEmpty()) {
            throw new IllegalArgumentException("[" + NAME + "] requires [" + FIELD_FIELD.getPreferredName() + "]");
        }
        int sources = (code != null ? 1 : 0) + (image != null ? 1 : 0) + (like != null ? 1 : 0);
        if (sources != 1 && fetchedCode == null) {
            throw new IllegalArgumentException("[" + NAME + "] requires exactly one of [code], [image] or [like]");
        }
        if (modelId != null && image == null) {
            throw new IllegalArgumentException("[" + NAME + "] [model_id] goes with [image]");
        }
        this.fieldName = fieldName;
        this.code = code == null ? null : code.clone();
        this.image = image;
        this.modelId = modelId;
        this.like = like;
        this.fetchedCode = fetchedCode;
        this.encoder = encoder;
    }

    private static byte[] requireCode(byte[] code) {
        if (code == null || code.length == 0) {
            throw new IllegalArgumentException("[" + NAME + "] requires a non-empty [" + CODE_FIELD.getPreferredName() + "]");
        }
        return code;
    }

    /** A query by image: the code is computed with {@code modelId} (null: the bundled model) when the query is rewritten. */
    public static HammingQueryBuilder byImage(String fieldName, String base64Image, String modelId, ImageEncoder encoder) {
        if (base64Image == null || base64Image.isEmpty()) {
            throw new IllegalArgumentException("[" + NAME + "] [image] must be a non-empty base64 string");
        }
        return new HammingQueryBuilder(fieldName, null, base64Image, modelId, null, null, encoder);
    }

    /** A query by example: the code stored in document {@code id} of {@code index}, in the same field. */
    public static HammingQueryBuilder like(String fieldName, String index, String id) {
        return new HammingQueryBuilder(fieldName, null, null, null, new Like(index, id), null, null);
    }

    public HammingQueryBuilder(StreamInput in, ImageEncoder encoder) throws IOException {
        super(in);
        fieldName = in.readString();
        code = in.readBoolean() ? in.readByteArray() : null;
        image = in.readOptionalString();
        modelId = in.readOptionalString();
        like = in.readBoolean() ? new Like(in.readString(), in.readString()) : null;
        k = in.readOptionalVInt();
        maxDistance = in.readOptionalVInt();
        filter = in.readOptionalNamedWriteable(QueryBuilder.class);
        ignoreUnmapped = in.readBoolean();
        fetchedCode = null;
        this.encoder = encoder;
    }

    /** A copy with the same options and another code source. */
    private HammingQueryBuilder withSource(byte[] newCode, Supplier<byte[]> newFetchedCode, QueryBuilder newFilter) {
        return new HammingQueryBuilder(
            fieldName,
            newCode,
            newCode == null && newFetchedCode == null ? image : null,
            newCode == null && newFetchedCode == null ? modelId : null,
            newCode == null && newFetchedCode == null ? like : null,
            newFetchedCode,
            encoder
        ).k(k).maxDistance(maxDistance).filterQuery(newFilter).ignoreUnmapped(ignoreUnmapped).boost(boost).queryName(queryName);
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        if (fetchedCode != null) {
            throw new IllegalStateException("[" + NAME + "] cannot be serialized while its [like] document is being fetched; rewrite it first");
        }
        out.writeString(fieldName);
        out.writeBoolean(code != null);
        if (code != null) {
            out.writeByteArray(code);
        }
        out.writeOptionalString(image);
        out.writeOptionalString(modelId);
        out.writeBoolean(like != null);
        if (like != null) {
            out.writeString(like.index());
            out.writeString(like.id());
        }
        out.writeOptionalVInt(k);
        out.writeOptionalVInt(maxDistance);
        out.writeOptionalNamedWriteable(filter);
        out.writeBoolean(ignoreUnmapped);
    }

    public String fieldName() {
        return fieldName;
    }

    /** The query code; null while it still has to come from an image or a liked document. */
    public byte[] code() {
        return code == null ? null : code.clone();
    }

    public String image() {
        return image;
    }

    public String modelId() {
        return modelId;
    }

    public Like like() {
        return like;
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
        if (code != null) {
            builder.field(CODE_FIELD.getPreferredName(), HashCodes.toHex(code));
        }
        if (image != null) {
            builder.field(IMAGE_FIELD.getPreferredName(), image);
        }
        if (modelId != null) {
            builder.field(MODEL_ID_FIELD.getPreferredName(), modelId);
        }
        if (like != null) {
            builder.startObject(LIKE_FIELD.getPreferredName()).field("index", like.index()).field("id", like.id()).endObject();
        }
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

    public static HammingQueryBuilder fromXContent(XContentParser parser, ImageEncoder encoder) throws IOException {
        String fieldName = null;
        byte[] code = null;
        String image = null;
        String modelId = null;
        Like like = null;
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
            } else if (LIKE_FIELD.match(current, parser.getDeprecationHandler())) {
                like = parseLike(parser);
            } else if (FILTER_FIELD.match(current, parser.getDeprecationHandler())) {
                if (token != XContentParser.Token.START_OBJECT) {
                    throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [filter] must be a query object");
                }
                filter = parseInnerQueryBuilder(parser);
            } else if (token.isValue() == false) {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [" + current + "] must be a value, got " + token);
            } else if (FIELD_FIELD.match(current, parser.getDeprecationHandler())) {
                fieldName = parser.text();
            } else if (IMAGE_FIELD.match(current, parser.getDeprecationHandler())) {
                image = parser.text();
            } else if (MODEL_ID_FIELD.match(current, parser.getDeprecationHandler())) {
                modelId = parser.text();
            } else if (K_FIELD.match(current, parser.getDeprecationHandler())) {
                k = intValue(parser, current);
            } else if (MAX_DISTANCE_FIELD.match(current, parser.getDeprecationHandler())) {
                maxDistance = intValue(parser, current);
            } else if (IGNORE_UNMAPPED_FIELD.match(current, parser.getDeprecationHandler())) {
                ignoreUnmapped = scalar(parser, current, XContentParser::booleanValue);
            } else if (BOOST_FIELD.match(current, parser.getDeprecationHandler())) {
                boost = scalar(parser, current, XContentParser::floatValue);
            } else if (NAME_FIELD.match(current, parser.getDeprecationHandler())) {
                queryName = parser.text();
            } else {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] query does not support [" + current + "]");
            }
        }
        if (fieldName == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] requires [field]");
        }
        if (code == null && image == null && like == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] requires [code], [image] or [like]");
        }
        try {
            HammingQueryBuilder builder = new HammingQueryBuilder(fieldName, code, image, modelId, like, null, encoder);
            return builder.k(k)
                .maxDistance(maxDistance)
                .filterQuery(filter)
                .ignoreUnmapped(ignoreUnmapped)
                .boost(boost)
                .queryName(queryName);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
        }
    }

    private static Like parseLike(XContentParser parser) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [like] must be an object {\"index\": ..., \"id\": ...}");
        }
        String index = null;
        String id = null;
        String current = null;
        XContentParser.Token token;
        while ((token = parser.nextToken()) != XContentParser.Token.END_OBJECT) {
            if (token == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
            } else if ("index".equals(current) && token == XContentParser.Token.VALUE_STRING) {
                index = parser.text();
            } else if ("id".equals(current) && token.isValue()) {
                id = parser.text();
            } else {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [like] does not support [" + current + "]");
            }
        }
        try {
            return new Like(index, id);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage());
        }
    }

    /** A value read by the parser, with a wrong type reported as a parsing error that names the parameter. */
    private static <T> T scalar(XContentParser parser, String name, org.opensearch.common.CheckedFunction<XContentParser, T, IOException> read)
        throws IOException {
        try {
            return read.apply(parser);
        } catch (IOException | IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [" + name + "] has a value of the wrong type: " + e.getMessage());
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
        if (fetchedCode != null) {
            byte[] fetched = fetchedCode.get();
            return fetched == null ? this : withSource(fetched, null, filter);
        }
        if (image != null) {
            return withSource(encodeImage(), null, filter);
        }
        if (like != null) {
            SetOnce<byte[]> fetched = new SetOnce<>();
            context.registerAsyncAction((client, listener) -> client.get(new GetRequest(like.index(), like.id()), ActionListener.wrap(response -> {
                fetched.set(likedCode(response));
                listener.onResponse(null);
            }, listener::onFailure)));
            return withSource(null, fetched::get, filter);
        }
        QueryBuilder rewritten = filter == null ? null : filter.rewrite(context);
        return rewritten == filter ? this : withSource(code, null, rewritten);
    }

    private byte[] encodeImage() {
        if (encoder == null) {
            throw new IllegalStateException("[" + NAME + "] [image] needs the image-hash plugin's models on this node");
        }
        byte[] bytes = ImageBytes.fromBase64(image, "[" + NAME + "] [image]");
        String model = modelId == null ? ModelRegistry.DEFAULT_ID : modelId;
        try {
            return encoder.encode(model, bytes);
        } catch (UnknownModelException e) {
            throw new IllegalArgumentException("[" + NAME + "] [model_id]: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("[" + NAME + "] [image] (model [" + model + "]): " + e.getMessage(), e);
        }
    }

    private byte[] likedCode(GetResponse response) {
        if (response.isExists() == false) {
            throw new ResourceNotFoundException("[" + NAME + "] [like] document [" + like.id() + "] was not found in index [" + like.index() + "]");
        }
        Object value = XContentMapValues.extractValue(fieldName, response.getSourceAsMap());
        if (value == null) {
            throw new IllegalArgumentException(
                "[" + NAME + "] [like] document [" + like.id() + "] of index [" + like.index() + "] has no value in field [" + fieldName + "]"
            );
        }
        try {
            return HashCodeValues.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "[" + NAME + "] [like] document [" + like.id() + "] has no usable code in field [" + fieldName + "]: " + e.getMessage()
            );
        }
    }

    @Override
    protected Query doToQuery(QueryShardContext context) throws IOException {
        if (code == null) {
            throw new IllegalStateException("[" + NAME + "] must be rewritten before it is turned into a Lucene query");
        }
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
            && Objects.equals(image, other.image)
            && Objects.equals(modelId, other.modelId)
            && Objects.equals(like, other.like)
            && Objects.equals(fetchedCode, other.fetchedCode)
            && Objects.equals(k, other.k)
            && Objects.equals(maxDistance, other.maxDistance)
            && Objects.equals(filter, other.filter)
            && ignoreUnmapped == other.ignoreUnmapped;
    }

    @Override
    protected int doHashCode() {
        return Objects.hash(fieldName, Arrays.hashCode(code), image, modelId, like, fetchedCode, k, maxDistance, filter, ignoreUnmapped);
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }
}
