package org.imagehash.opensearch.mapper;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.util.BytesRef;
import org.imagehash.search.HashCodeField;
import org.imagehash.search.HashCodes;
import org.imagehash.search.index.SegmentCache;
import org.imagehash.search.mih.SubstringLayout;
import org.imagehash.search.mih.SubstringsOption;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.FieldMapper;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.ParametrizedFieldMapper;
import org.opensearch.index.mapper.ParseContext;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The {@code hash_code} field: one fixed-length binary code per document, kept in binary doc values.
 *
 * <pre>
 * "code": { "type": "hash_code", "bits": 64 }
 * </pre>
 *
 * A value is a hex string of {@code bits / 4} digits (either case) or an array of {@code bits / 8} integers in
 * [-128, 255] (the k-NN plugin's byte convention); {@code null} means no code.
 */
public final class HashCodeFieldMapper extends ParametrizedFieldMapper {

    public static final String CONTENT_TYPE = HashCodeField.TYPE;

    private static HashCodeFieldMapper toType(FieldMapper in) {
        return (HashCodeFieldMapper) in;
    }

    /** Declares the mapping parameters once, with their validation and merge rules. */
    public static final class Builder extends ParametrizedFieldMapper.Builder {

        // Required: no default, checked by the validator, which runs even when the parameter is absent.
        private final Parameter<Integer> bits = new Parameter<>(
            "bits",
            false,
            () -> null,
            (name, context, value) -> parseBits(name, value),
            m -> toType(m).bits
        ).setValidator(this::validateBits).alwaysSerialize();

        // Multi-index hashing: also index each code's substrings as terms. Cannot change once set. A mapping that does
        // not say gets the default for its width, and the mapper keeps and always writes the resolved choice, so the
        // stored mapping fixes it (see SubstringsOption).
        private final Parameter<SubstringsOption> substrings = new Parameter<>(
            SubstringsOption.NAME,
            false,
            () -> SubstringsOption.UNSET,
            (name, context, value) -> parseSubstrings(name, value),
            m -> toType(m).substrings
        ).setSerializer(Builder::writeSubstrings, SubstringsOption::toString).alwaysSerialize();

        // The model whose codes the field holds: ingest refuses other models' codes, a query by image uses it.
        private final Parameter<String> modelId = Parameter.stringParam("model_id", false, m -> toType(m).modelId, null)
            .setValidator(this::validateModelId)
            .acceptsNull();

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
                HashCodeField.checkBitsParameter(name(), value);
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException(e.getMessage());
            }
        }

        private void validateModelId(String value) {
            if (value != null && org.imagehash.model.ModelRegistry.isValidId(value) == false) {
                throw new MapperParsingException("[model_id] of field [" + name() + "] is not a valid model id: [" + value + "]");
            }
        }

        @Override
        protected List<Parameter<?>> getParameters() {
            return List.of(bits, substrings, modelId, meta);
        }

        @Override
        public HashCodeFieldMapper build(BuilderContext context) {
            SubstringLayout layout;
            try {
                layout = substrings.getValue().layout(bits.getValue());
            } catch (IllegalArgumentException e) {
                throw new MapperParsingException("[" + SubstringsOption.NAME + "] of field [" + name() + "]: " + e.getMessage());
            }
            HashCodeFieldType fieldType = new HashCodeFieldType(
                buildFullName(context),
                bits.getValue(),
                meta.getValue(),
                cache,
                layout,
                modelId.getValue()
            );
            return new HashCodeFieldMapper(name, fieldType, multiFieldsBuilder.build(this, context), copyTo.build(), this);
        }
    }

    /** Parses {@code "type": "hash_code"} mappings; every field shares the node's cache of segment codes. */
    public static TypeParser parser(SegmentCache cache) {
        return new TypeParser((name, context) -> new Builder(name, cache));
    }

    private final int bits;
    private final SubstringsOption substrings;
    private final String modelId;
    private final SegmentCache cache;

    private HashCodeFieldMapper(String simpleName, HashCodeFieldType fieldType, MultiFields multiFields, CopyTo copyTo, Builder builder) {
        super(simpleName, fieldType, multiFields, copyTo);
        this.bits = builder.bits.getValue();
        this.substrings = builder.substrings.getValue().resolve(builder.bits.getValue());
        this.modelId = builder.modelId.getValue();
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
    protected void parseCreateField(ParseContext context) throws IOException {
        XContentParser parser = context.parser();
        if (parser.currentToken() == XContentParser.Token.VALUE_NULL) {
            return;
        }
        byte[] code = fieldType().parseCode(XContentValues.read(parser));
        if (context.doc().getByKey(name()) != null) {
            throw new IllegalArgumentException("field [" + name() + "] of type [" + CONTENT_TYPE + "] holds one code per document, got several");
        }
        context.doc().addWithKey(name(), new BinaryDocValuesField(name(), new BytesRef(code)));
        SubstringLayout layout = fieldType().substrings();
        if (layout != null) {
            context.doc().addAll(layout.termFields(fieldType().name(), code));
        }
    }

    @Override
    public ParametrizedFieldMapper.Builder getMergeBuilder() {
        return new Builder(simpleName(), cache).init(this);
    }

    @Override
    protected String contentType() {
        return CONTENT_TYPE;
    }
}
