package org.imagehash.opensearch.query;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.imagehash.opensearch.ImageHashPlugin;
import org.imagehash.search.HashCodes;
import org.imagehash.search.query.HammingQuery;
import org.imagehash.search.query.HammingTopKQuery;
import org.opensearch.action.admin.indices.mapping.put.PutMappingRequest;
import org.opensearch.common.compress.CompressedXContent;
import org.opensearch.core.common.ParsingException;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.index.query.QueryShardException;
import org.opensearch.index.query.TermQueryBuilder;
import org.opensearch.plugins.Plugin;
import org.opensearch.test.AbstractQueryTestCase;
import org.opensearch.test.TestGeoShapeFieldMapperPlugin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;

/**
 * The {@code hamming} query builder: the framework's parse, serialization, equality and toQuery checks on random
 * builders, plus the errors a user can meet.
 */
public class HammingQueryBuilderTests extends AbstractQueryTestCase<HammingQueryBuilder> {

    private static final String CODE_64 = "code64";
    private static final String CODE_256 = "code256";

    @Override
    @SuppressWarnings("deprecation")
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(ImageHashPlugin.class, TestGeoShapeFieldMapperPlugin.class); // the framework maps a geo_shape field
    }

    @Override
    protected void initializeAdditionalMappings(MapperService mapperService) throws IOException {
        mapperService.merge(
            "_doc",
            new CompressedXContent(
                PutMappingRequest.simpleMapping(CODE_64, "type=hash_code,bits=64", CODE_256, "type=hash_code,bits=256").toString()
            ),
            MapperService.MergeReason.MAPPING_UPDATE
        );
    }

    @Override
    protected HammingQueryBuilder doCreateTestQueryBuilder() {
        boolean wide = randomBoolean();
        HammingQueryBuilder builder = new HammingQueryBuilder(wide ? CODE_256 : CODE_64, randomByteArrayOfLength(wide ? 32 : 8));
        if (randomBoolean()) {
            builder.k(randomIntBetween(1, HammingQueryBuilder.MAX_K));
        }
        if (randomBoolean()) {
            builder.maxDistance(randomIntBetween(0, 300));
        }
        if (randomBoolean()) {
            builder.filterQuery(new TermQueryBuilder(TEXT_FIELD_NAME, randomAlphaOfLength(5)));
        }
        return builder;
    }

    @Override
    protected void doAssertLuceneQuery(HammingQueryBuilder builder, Query query, QueryShardContext context) {
        if (builder.k() != null) {
            assertThat(query, instanceOf(HammingTopKQuery.class));
            HammingTopKQuery topK = (HammingTopKQuery) query;
            assertEquals((int) builder.k(), topK.k());
            assertEquals(builder.filterQuery() != null, topK.filter() != null);
            return;
        }
        if (builder.filterQuery() != null) {
            assertThat(query, instanceOf(BooleanQuery.class));
            BooleanQuery bool = (BooleanQuery) query;
            assertEquals(2, bool.clauses().size());
            BooleanClause filter = bool.clauses().get(1);
            assertTrue(filter.isRequired() && filter.isScoring() == false); // FILTER
            query = mustClauses(bool).get(0);
        }
        assertThat(query, instanceOf(HammingQuery.class));
        HammingQuery hamming = (HammingQuery) query;
        assertEquals(builder.fieldName(), hamming.field());
        int bits = builder.code().length * 8;
        assertEquals(builder.maxDistance() == null ? bits : Math.min(builder.maxDistance(), bits), hamming.maxDistance());
    }

    public void testCodeAsByteArrayParsesLikeHex() throws IOException {
        String json = "{\"hamming\": {\"field\": \"code64\", \"code\": [0, 1, 2, 3, 4, 5, 6, 255], \"k\": 3}}";
        HammingQueryBuilder parsed = (HammingQueryBuilder) parseQuery(json);
        assertEquals("00010203040506ff", HashCodes.toHex(parsed.code()));
        assertEquals(Integer.valueOf(3), parsed.k());
    }

    public void testParseErrorsSayWhatIsWrong() {
        assertParseError("{\"hamming\": {\"code\": \"00\"}}", "[hamming] requires [field]");
        assertParseError("{\"hamming\": {\"field\": \"code64\"}}", "[hamming] requires [code]");
        assertParseError("{\"hamming\": {\"field\": \"code64\", \"code\": \"0g\"}}", "non-hex character [g]");
        assertParseError("{\"hamming\": {\"field\": \"code64\", \"code\": [1, 999]}}", "element [1] is 999");
        assertParseError("{\"hamming\": {\"field\": \"code64\", \"code\": {\"a\": 1}}}", "got an object");
        assertParseError("{\"hamming\": {\"field\": \"code64\", \"code\": \"00\", \"k\": 0}}", "[k] must be between 1 and 10000");
        assertParseError("{\"hamming\": {\"field\": \"code64\", \"code\": \"00\", \"k\": 2.5}}", "[k] must be an integer");
        assertParseError("{\"hamming\": {\"field\": \"code64\", \"code\": \"00\", \"max_distance\": -1}}", "[max_distance] must be >= 0");
        assertParseError("{\"hamming\": {\"field\": \"code64\", \"code\": \"00\", \"filter\": 3}}", "[filter] must be a query object");
        assertParseError("{\"hamming\": {\"field\": \"code64\", \"code\": \"00\", \"radius\": 3}}", "does not support [radius]");
    }

    private void assertParseError(String json, String message) {
        ParsingException e = expectThrows(ParsingException.class, () -> parseQuery(json));
        assertThat(e.getMessage(), containsString(message));
    }

    public void testFieldErrorsNameTheField() {
        QueryShardContext context = createShardContext();
        QueryShardException wrongLength = expectThrows(
            QueryShardException.class,
            () -> new HammingQueryBuilder(CODE_64, new byte[4]).toQuery(context)
        );
        assertThat(wrongLength.getMessage(), containsString("[hamming] [code] has 32 bits (8 hex digits) but field [code64] has [bits: 64]"));

        QueryShardException wrongType = expectThrows(
            QueryShardException.class,
            () -> new HammingQueryBuilder(TEXT_FIELD_NAME, new byte[8]).toQuery(context)
        );
        assertThat(wrongType.getMessage(), containsString("field [" + TEXT_FIELD_NAME + "] is of type [text], but the query needs a field of type [hash_code]"));

        QueryShardException unmapped = expectThrows(
            QueryShardException.class,
            () -> new HammingQueryBuilder("nope", new byte[8]).toQuery(context)
        );
        assertThat(unmapped.getMessage(), containsString("[hamming] field [nope] is not mapped"));
    }

    public void testIgnoreUnmappedMatchesNothing() throws IOException {
        Query query = new HammingQueryBuilder("nope", new byte[8]).ignoreUnmapped(true).toQuery(createShardContext());
        assertThat(query, instanceOf(MatchNoDocsQuery.class));
    }

    /** The queries of a boolean query's MUST clauses (through a visitor: the clause accessors differ between Lucene 9 and 10). */
    private static List<Query> mustClauses(BooleanQuery bool) {
        List<Query> must = new ArrayList<>();
        bool.visit(new QueryVisitor() {
            @Override
            public QueryVisitor getSubVisitor(BooleanClause.Occur occur, Query parent) {
                return occur == BooleanClause.Occur.MUST ? this : QueryVisitor.EMPTY_VISITOR;
            }

            @Override
            public void visitLeaf(Query leaf) {
                must.add(leaf);
            }
        });
        return must;
    }
}
