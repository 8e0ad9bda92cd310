package org.imagehash.elasticsearch.mapper;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.HashCodeField;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.mih.SubstringLayout;
import org.imagehash.search.mih.SubstringsOption;
import org.elasticsearch.index.mapper.DocumentParserContext;
import org.elasticsearch.index.mapper.FieldMapper;
import org.elasticsearch.index.mapper.MapperBuilderContext;
import org.elasticsearch.index.mapper.MapperParsingException;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.Map;

/**
 * The {@code hash_code} field in Elasticsearch: one fixed-length binary code per document, kept in binary doc values,
 * with the same mapping parameters ({@code bits}, {@code substrings}) and the same values as in OpenSearch.
 */
public final class HashCodeFieldMapper extends FieldMapper {

    public static final String CONTENT_TYPE = HashCodeField.TYPE;

    private static HashCodeFieldMapper toType(FieldMapper in) {
        return (HashCodeFieldMapper) in;
    }

    /** Declares the mapping parameters once, with their validation and merge rules. */
    public static final class Builder extends FieldMapper.Builder {

        // Required: no default; the validator reports it missing.
        private final Parameter<Integer> bits = new Parameter<>(
            "bits",
            false,
            () -> null,
            (name, context, value) -> parseBits(name, value),
            m -> toType(m).bits,
            (b, n, v) -> b.field(n, v),
            String::valueOf
        ).addValidator(this::validateBits).alwaysSerialize();

        // Multi-index hashing: also index each code's substrings as terms. Cannot change once set. A mapping that does
        // not say gets the default for its width, and the mapper keeps and always writes the resolved choice, so the
        // stored mapping fixes it (see SubstringsOption).
        private final Parameter<SubstringsOption> substrings = new Parameter<>(
            SubstringsOption.NAME,
            false,
            () -> SubstringsOption.UNSET,
            (name, context, value) -> parseSubstrings(name, value),
            m -> toType(m).substrings,
            Builder::writeSubstrings,
            SubstringsOption::toString
        ).alwaysSerialize();

        private final Parameter<Map<String, String>> meta = Parameter.metaParam();
        private final SegmentCache cache;

        public Builder(String name, SegmentCache cache) {
            super(name);
            this.cache = cache;
        }

        private static void writeSubstrings(XContentBuilder builder, String name, SubstringsOption value) throws IOException {
            builder.startObject(name);
            if (value.enabled() != null) {
                builder.field("enabled", value.enabled());
            }
            if (value.count() != null) {
                builder.field("count", value.count());
            }
            builder.endObject();
        }

        private static Integer parseBits(String field, Object value) {
            try {
                return HashCodeField.parseBitsParameter(field, value);
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException(e.getMessage());
            }
        }

        private static SubstringsOption parseSubstrings(String field, Object value) {
            try {
                return SubstringsOption.parse(field, value);
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException(e.getMessage());
            }
        }

        private void validateBits(Integer value) {
            try {
                HashCodeField.checkBitsParameter(leafName(), value);
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException(e.getMessage());
            }
        }

        @Override
        protected Parameter<?>[] getParameters() {
            return new Parameter<?>[] { bits, substrings, meta };
        }

        public String contentType() {
            return CONTENT_TYPE;
        }

        @Override
        public HashCodeFieldMapper build(MapperBuilderContext context) {
            SubstringLayout layout;
            try {
                layout = substrings.getValue().layout(bits.getValue());
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException("[" + SubstringsOption.NAME + "] of field [" + leafName() + "]: " + e.getMessage());
            }
            HashCodeFieldType fieldType = new HashCodeFieldType(context.buildFullName(leafName()), bits.getValue(), meta.getValue(), cache, layout);
            return new HashCodeFieldMapper(leafName(), fieldType, builderParams(this, context), this);
        }
    }

    /** Parses {@code "type": "hash_code"} mappings; every field shares the node's per-segment cache. */
    public static TypeParser parser(SegmentCache cache) {
        return new TypeParser((name, context) -> new Builder(name, cache));
    }

    private final int bits;
    private final SubstringsOption substrings;
    private final SegmentCache cache;

    private HashCodeFieldMapper(String simpleName, HashCodeFieldType fieldType, BuilderParams params, Builder builder) {
        super(simpleName, fieldType, params);
        this.bits = builder.bits.getValue();
        this.substrings = builder.substrings.getValue().resolve(builder.bits.getValue());
        this.cache = builder.cache;
    }

    @Override
    public HashCodeFieldType fieldType() {
        return (HashCodeFieldType) super.fieldType();
    }

    /** A byte array is one value, not several: the mapper reads arrays itself. */
    @Override
    public boolean parsesArrayValue() {
        return true;
    }

    @Override
    protected void parseCreateField(DocumentParserContext context) throws IOException {
        XContentParser parser = context.parser();
        if (parser.currentToken() == XContentParser.Token.VALUE_NULL) {
            return;
        }
        byte[] code = fieldType().field().parseCode(XContentValues.read(parser));
        String name = fieldType().name();
        if (context.doc().getByKey(name) != null) {
            throw new IllegalArgumentException("field [" + name + "] of type [" + CONTENT_TYPE + "] holds one code per document, got several");
        }
        context.doc().addWithKey(name, new BinaryDocValuesField(name, new BytesRef(code)));
        SubstringLayout layout = fieldType().field().substrings();
        if (layout != null) {
            context.doc().addAll(layout.termFields(name, code));
        }
    }

    @Override
    public FieldMapper.Builder getMergeBuilder() {
        return new Builder(leafName(), cache).init(this);
    }

    @Override
    protected String contentType() {
        return CONTENT_TYPE;
    }
}
