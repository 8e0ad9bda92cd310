package org.imagehash.opensearch.mapper;

import org.apache.lucene.index.IndexableField;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.util.BytesRef;
import org.imagehash.opensearch.ImageHashPlugin;
import org.imagehash.search.HashCodes;
import org.imagehash.search.mih.SubstringLayout;
import org.imagehash.search.query.HammingQuery;
import org.imagehash.search.query.HammingTopKQuery;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.core.common.Strings;
import org.opensearch.index.mapper.MapperParsingException;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.mapper.MapperServiceTestCase;
import org.opensearch.index.mapper.ParsedDocument;
import org.opensearch.plugins.Plugin;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

import static org.hamcrest.Matchers.containsString;

/** The {@code substrings} option of {@code hash_code}: parsing, defaults, serialization, the terms and the queries it picks. */
public class HashCodeSubstringsMapperTests extends MapperServiceTestCase {

    @Override
    protected Collection<? extends Plugin> getPlugins() {
        return List.of(new ImageHashPlugin(Settings.EMPTY, null));
    }

    private HashCodeFieldType fieldType(MapperService service) {
        return (HashCodeFieldType) service.fieldType("field");
    }

    public void testDefaultCountIndexesOneTermPerSixteenBits() throws IOException {
        MapperService service = createMapperService(
            fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("enabled", true).endObject())
        );
        SubstringLayout layout = fieldType(service).substrings();
        assertEquals(new SubstringLayout(64, 4), layout);
        ParsedDocument doc = service.documentMapper().parse(source(b -> b.field("field", "0123456789abcdef")));
        IndexableField[] terms = doc.rootDoc().getFields("field._substrings");
        assertEquals(4, terms.length);
        // substring 0 is the code's first two bytes, read as the packed little-endian word: 0x2301
        assertEquals(new BytesRef(new byte[] { 0, 0x23, 0x01 }), terms[0].binaryValue());
        assertEquals(1, doc.rootDoc().getFields("field").length); // the doc value is unchanged
    }

    public void testExplicitCountAndSerialization() throws IOException {
        MapperService service = createMapperService(
            fieldMapping(
                b -> b.field("type", "hash_code").field("bits", 128).startObject("substrings").field("enabled", true).field("count", 6).endObject()
            )
        );
        assertEquals(6, fieldType(service).substrings().count());
        String mapping = Strings.toString(XContentType.JSON, service.documentMapper().mapping());
        assertThat(mapping, containsString("\"substrings\":{\"enabled\":true,\"count\":6}"));
        ParsedDocument doc = service.documentMapper().parse(source(b -> b.field("field", "0123456789abcdef0123456789abcdef")));
        assertEquals(6, doc.rootDoc().getFields("field._substrings").length);
    }

    /** Up to 256 bits a mapping that does not say indexes substrings; the stored mapping then says so explicitly. */
    public void testOnByDefaultUpTo256Bits() throws IOException {
        MapperService service = createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", 64)));
        assertEquals(4, fieldType(service).substrings().count());
        String mapping = Strings.toString(XContentType.JSON, service.documentMapper().mapping());
        assertThat(mapping, containsString("\"substrings\":{\"enabled\":true}"));
        assertEquals(4, service.documentMapper().parse(source(b -> b.field("field", "0123456789abcdef"))).rootDoc().getFields("field._substrings").length);
        // the same mapping again (as an update, or from the stored form) is no change
        merge(service, fieldMapping(b -> b.field("type", "hash_code").field("bits", 64)));
        merge(service, fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("enabled", true).endObject()));

        MapperService wide = createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", 512)));
        assertNull(fieldType(wide).substrings());
        assertThat(Strings.toString(XContentType.JSON, wide.documentMapper().mapping()), containsString("\"substrings\":{\"enabled\":false}"));
    }

    public void testDisabledNothingChanges() throws IOException {
        MapperService service = createMapperService(
            fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("enabled", false).endObject())
        );
        assertNull(fieldType(service).substrings());
        String mapping = Strings.toString(XContentType.JSON, service.documentMapper().mapping());
        assertThat(mapping, containsString("\"substrings\":{\"enabled\":false}"));
        ParsedDocument doc = service.documentMapper().parse(source(b -> b.field("field", "0123456789abcdef")));
        assertEquals(0, doc.rootDoc().getFields("field._substrings").length);
        assertTrue(fieldType(service).hammingQuery(new byte[8], 3) instanceof HammingQuery);
        assertTrue(fieldType(service).hammingTopK(new byte[8], 3, null, null) instanceof HammingTopKQuery);
    }

    public void testQueriesUseTheSubstrings() throws IOException {
        MapperService service = createMapperService(
            fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("enabled", true).endObject())
        );
        HashCodeFieldType type = fieldType(service);
        // the queries carry the field's layout, so their segments can be probed (64 bits: 4 substrings by default)
        assertThat(type.hammingQuery(new byte[8], 3).toString(), containsString("substrings:4"));
        assertThat(type.hammingTopK(new byte[8], 3, null, null).toString(), containsString("substrings:4"));
        ConstantScoreQuery term = (ConstantScoreQuery) type.termQuery(HashCodes.toHex(new byte[8]), null);
        assertThat(term.getQuery().toString(), containsString("max_distance:0 substrings:4"));
    }

    public void testBadOptions() {
        Exception e = expectThrows(
            MapperParsingException.class,
            () -> createMapperService(
                fieldMapping(
                    b -> b.field("type", "hash_code").field("bits", 128).startObject("substrings").field("enabled", true).field("count", 2).endObject()
                )
            )
        );
        assertThat(e.getMessage(), containsString("[substrings.count] must be between 4 and 128 for 128 bits"));
        e = expectThrows(
            MapperParsingException.class,
            () -> createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).field("substrings", true)))
        );
        assertThat(e.getMessage(), containsString("must be an object"));
        e = expectThrows(
            MapperParsingException.class,
            () -> createMapperService(
                fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("length", 16).endObject())
            )
        );
        assertThat(e.getMessage(), containsString("does not support [length]"));
    }

    public void testCannotBeChanged() throws IOException {
        MapperService service = createMapperService(
            fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("enabled", false).endObject())
        );
        Exception e = expectThrows(
            IllegalArgumentException.class,
            () -> merge(
                service,
                fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("enabled", true).endObject())
            )
        );
        assertThat(e.getMessage(), containsString("Cannot update parameter [substrings]"));
        MapperService byDefault = createMapperService(fieldMapping(b -> b.field("type", "hash_code").field("bits", 64)));
        e = expectThrows(
            IllegalArgumentException.class,
            () -> merge(
                byDefault,
                fieldMapping(b -> b.field("type", "hash_code").field("bits", 64).startObject("substrings").field("enabled", false).endObject())
            )
        );
        assertThat(e.getMessage(), containsString("Cannot update parameter [substrings]"));
    }
}
