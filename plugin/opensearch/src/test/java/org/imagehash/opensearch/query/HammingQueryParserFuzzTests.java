package org.imagehash.opensearch.query;

import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.test.OpenSearchTestCase;

import java.io.IOException;
import java.util.List;

/**
 * Random hamming query bodies: every one parses or fails with a parsing error that says why; nothing else escapes
 * (no NullPointerException, ClassCastException, ...). A node turns those into a 400.
 */
public class HammingQueryParserFuzzTests extends OpenSearchTestCase {

    private static final List<String> KEYS = List.of(
        "field", "code", "k", "max_distance", "filter", "ignore_unmapped", "boost", "_name", "image", "model_id", "like", "bogus"
    );
    private static final List<String> VALUES = List.of(
        "\"code\"", "\"00ff\"", "\"0g\"", "\"\"", "[1, 2]", "[1, 300]", "[[1]]", "[\"ab\"]", "[]", "{}", "{\"term\": {\"a\": 1}}",
        "{\"index\": \"i\", \"id\": \"1\"}", "{\"index\": \"i\"}", "3", "-1", "0", "1.5", "99999999999", "true", "null", "\"AAAA\""
    );

    public void testRandomBodiesFailOnlyWithParsingErrors() throws IOException {
        for (int iteration = 0; iteration < 2000; iteration++) {
            StringBuilder json = new StringBuilder("{");
            List<String> keys = randomSubsetOf(randomIntBetween(0, 6), KEYS); // distinct: duplicate keys are the JSON layer's error
            for (int f = 0; f < keys.size(); f++) {
                json.append(f > 0 ? ", " : "").append('"').append(keys.get(f)).append("\": ").append(randomFrom(VALUES));
            }
            json.append('}');
            try (
                XContentParser parser = JsonXContent.jsonXContent.createParser(
                    NamedXContentRegistry.EMPTY,
                    DeprecationHandler.THROW_UNSUPPORTED_OPERATION,
                    json.toString()
                )
            ) {
                parser.nextToken();
                try {
                    HammingQueryBuilder builder = HammingQueryBuilder.fromXContent(parser, (model, image) -> new byte[8]);
                    assertNotNull(builder.fieldName());
                } catch (ParsingException | IllegalArgumentException e) { // XContentParseException is an IllegalArgumentException
                    assertNotNull(json + " gave no message", e.getMessage());
                } catch (UnsupportedOperationException e) {
                    // a filter query needs the named query registry, which this unit test does not have
                    assertTrue(json.toString(), json.toString().contains("\"filter\": {\""));
                }
            }
        }
    }
}
