package org.imagehash.opensearch.mapper;

import org.apache.lucene.index.IndexableField;
import org.apache.lucene.util.BytesRef;
import org.imagehash.opensearch.ImageHashPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.index.mapper.DocumentMapper;
import org.opensearch.index.mapper.FieldTypeTestCase;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.mapper.MapperTestCase;
import org.opensearch.index.mapper.ParsedDocument;
import org.opensearch.plugins.Plugin;
import org.opensearch.search.DocValueFormat;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

/**
 * The {@code hash_code} mapping and how documents parse: the framework's mapper checks plus every kind of bad value.
 */
public class HashCodeFieldMapperTests extends MapperTestCase {

    @Override
    protected Collection<? extends Plugin> getPlugins() {
        return List.of(new ImageHashPlugin(Settings.EMPTY, null));
    }

    @Override
    protected void minimalMapping(XContentBuilder b) throws IOException {
        // the mapper always writes its resolved substrings choice, so that is what the framework's round trips read back
        b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("enabled", true).endObject();
    }

    @Override
    protected void writeFieldValue(XContentBuilder builder) throws IOException {
        builder.value("0123456789abcdef");
    }

    @Override
    protected void registerParameters(ParameterChecker checker) throws IOException {
        checker.registerConflictCheck(
            "bits",
            fieldMapping(this::minimalMapping),
            fieldMapping(b -> b.field("type", "hash_code").field("bits", 128))
        );
        checker.registerConflictCheck("model_id", fieldMapping(this::minimalMapping), fieldMapping(b -> {
            minimalMapping(b);
            b.field("model_id", "fashion-v2");
        }));
    }

    public void testModelIdIsKeptAndChecked() throws IOException {
        MapperService mapperService = createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).field("model_id", "fashion-v2")));
        assertEquals("fashion-v2", ((HashCodeFieldType) mapperService.fieldType("field")).modelId());
        assertThat(mapperService.documentMapper().mappingSource().string(), containsString("\"model_id\":\"fashion-v2\""));
        MapperParsingException e = expectThrows(
            MapperParsingException.class,
            () -> createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).field("model_id", "../x")))
        );
        assertThat(e.getMessage(), containsString("is not a valid model id"));
    }

    @Override
    protected void assertExistsQuery(MapperService mapperService) throws IOException {
        // doc values back the exists query; nothing goes to _field_names
        super.assertExistsQuery(mapperService);
    }

    @Override
    protected boolean supportsOrIgnoresBoost() {
        return false; // no deprecated [boost] to carry: the type is new
    }

    private static byte[] docValue(ParsedDocument doc) {
        IndexableField[] fields = doc.rootDoc().getFields("field");
        assertEquals(1, fields.length);
        BytesRef value = fields[0].binaryValue();
        return BytesRef.deepCopyOf(value).bytes;
    }

    public void testHexAndByteArraysIndexTheSameCode() throws IOException {
        DocumentMapper mapper = createDocumentMapper(fieldMapping(b -> b.field("type", "hash_code").field("bits", 32)));
        byte[] fromHex = docValue(mapper.parse(source(b -> b.field("field", "00FF7f80"))));
        byte[] fromBytes = docValue(mapper.parse(source(b -> b.array("field", 0, -1, 127, -128))));
        byte[] fromUnsigned = docValue(mapper.parse(source(b -> b.array("field", 0, 255, 127, 128))));
        assertArrayEquals(new byte[] { 0, (byte) 0xFF, 0x7F, (byte) 0x80 }, fromHex);
        assertArrayEquals(fromHex, fromBytes);
        assertArrayEquals(fromHex, fromUnsigned);
    }

    public void testNullMeansNoCode() throws IOException {
        DocumentMapper mapper = createDocumentMapper(fieldMapping(this::minimalMapping));
        ParsedDocument doc = mapper.parse(source(b -> b.nullField("field")));
        assertEquals(0, doc.rootDoc().getFields("field").length);
    }

    public void testBadValuesAreRejectedWithTheFieldNameAndWhatCame() throws IOException {
        DocumentMapper mapper = createDocumentMapper(fieldMapping(b -> b.field("type", "hash_code").field("bits", 16)));
        Map<String, CheckedConsumerOfBuilder> bad = Map.of(
            "got a hex string of 6 digits",
            b -> b.field("field", "abcdef"),
            "got a hex string of 3 digits, which is not a whole number of bytes",
            b -> b.field("field", "abc"),
            "non-hex character [x] at position 1",
            b -> b.field("field", "0x12"),
            "got an array of 3 integers",
            b -> b.array("field", 1, 2, 3),
            "element [1] is 256, outside [-128, 255]",
            b -> b.array("field", 1, 256),
            "element [0] is the non-integer 1.5",
            b -> b.array("field", 1.5, 2),
            "got an object",
            b -> b.startObject("field").field("a", 1).endObject(),
            "one field holds one code",
            b -> b.array("field", "abcd", "abcd"),
            "got the number 12",
            b -> b.field("field", 12),
            "got the boolean true",
            b -> b.field("field", true)
        );
        for (Map.Entry<String, CheckedConsumerOfBuilder> entry : bad.entrySet()) {
            MapperParsingException e = expectThrows(MapperParsingException.class, () -> mapper.parse(source(entry.getValue()::accept)));
            assertThat(e.getMessage(), containsString("failed to parse field [field] of type [hash_code]"));
            String reason = e.getCause().getMessage();
            assertThat(entry.getKey(), reason, containsString("field [field] of type [hash_code] expects a code of 16 bits: a hex string of 4 digits or an array of 2 integers in [-128, 255]"));
            assertThat(reason, containsString(entry.getKey()));
        }
    }

    @FunctionalInterface
    private interface CheckedConsumerOfBuilder {
        void accept(XContentBuilder b) throws IOException;
    }

    public void testSeveralValuesAreRejected() throws IOException {
        // copy_to is one way a second value reaches the field within one document
        DocumentMapper mapper = createDocumentMapper(mapping(b -> {
            b.startObject("source").field("type", "keyword").field("copy_to", "field").endObject();
            b.startObject("field").field("type", "hash_code").field("bits", 8).endObject();
        }));
        MapperParsingException e = expectThrows(
            MapperParsingException.class,
            () -> mapper.parse(source(b -> b.field("field", "ab").field("source", "cd")))
        );
        assertThat(e.getCause().getMessage(), containsString("field [field] of type [hash_code] holds one code per document, got several"));
    }

    public void testBitsIsRequiredAndChecked() {
        MapperParsingException missing = expectThrows(
            MapperParsingException.class,
            () -> createMapperService(fieldMapping(b -> b.field("type", "hash_code")))
        );
        assertThat(missing.getMessage(), containsString("[bits] is required for field [field] of type [hash_code]"));
        for (Object bad : List.of(0, 12, 4104, -8)) {
            MapperParsingException e = expectThrows(
                MapperParsingException.class,
                () -> createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", bad)))
            );
            assertThat(e.getMessage(), containsString("[bits] of field [field] must be a multiple of 8 from 8 to 4096, got [" + bad + "]"));
        }
        MapperParsingException notInt = expectThrows(
            MapperParsingException.class,
            () -> createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", 6.5)))
        );
        assertThat(notInt.getMessage(), containsString("[bits] of field [field] must be an integer, got [6.5]"));
    }

    public void testFetchReturnsHexFromSourceAndDocValues() throws IOException {
        MapperService mapperService = createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", 16)));
        HashCodeFieldType fieldType = (HashCodeFieldType) mapperService.fieldType("field");
        assertEquals(List.of("0aff"), FieldTypeTestCase.fetchSourceValue(fieldType, "0AFF"));
        assertEquals(List.of("0aff"), FieldTypeTestCase.fetchSourceValue(fieldType, List.of(10, -1)));
        assertEquals(List.of("0aff"), fetchFromDocValues(mapperService, fieldType, DocValueFormat.RAW, "0AFF"));
        assertEquals(List.of("0aff"), fetchFromDocValues(mapperService, fieldType, DocValueFormat.RAW, List.of(10, 255)));
    }
}
