package org.imagehash.elasticsearch.query;

import org.imagehash.elasticsearch.mapper.XContentValues;
import org.imagehash.model.ModelsApi;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.rest.RestStatus;
import org.imagehash.search.query.HammingQueryJson;
import org.imagehash.search.query.ImageEncoder;
import org.elasticsearch.common.ParsingException;
import org.elasticsearch.core.CheckedFunction;
import org.elasticsearch.index.query.QueryBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the {@code hamming} query's JSON: the inner {@code filter} query through Elasticsearch's parser, every other
 * value as plain data checked by the engine-neutral {@link HammingQueryJson}; every error is a parsing error (a 400)
 * that names the parameter.
 */
final class HammingQueryParser {

    private HammingQueryParser() {}

    /** @param innerQuery parses the {@code filter} query (Elasticsearch keeps that parser to query builders) */
    static HammingQueryBuilder parse(XContentParser parser, ImageEncoder encoder, CheckedFunction<XContentParser, QueryBuilder, IOException> innerQuery)
        throws IOException {
        Map<String, Object> values = new LinkedHashMap<>();
        QueryBuilder filter = null;
        String current = null;
        XContentParser.Token token;
        while ((token = parser.nextToken()) != XContentParser.Token.END_OBJECT) {
            if (token == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
            } else if ("filter".equals(current)) {
                if (token != XContentParser.Token.START_OBJECT) {
                    throw new ParsingException(parser.getTokenLocation(), "[" + HammingQueryJson.NAME + "] [filter] must be a query object");
                }
                filter = innerQuery.apply(parser);
            } else {
                values.put(current, readValue(parser, current, encoder));
            }
        }
        try {
            return HammingQueryBuilder.from(HammingQueryJson.read(values), encoder).filterQuery(filter);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
        }
    }

    /**
     * A value; an {@code image} longer than the JSON parser's string limit fails here, while being read, before the
     * node's own {@code image_hash.image.max_bytes} check could see it: answer that as the image being too large (413,
     * like {@code _encode}), not as the parser's 500.
     */
    private static Object readValue(XContentParser parser, String name, ImageEncoder encoder) throws IOException {
        try {
            return XContentValues.read(parser);
        } catch (IOException | RuntimeException e) {
            if (ModelsApi.isStringTooLong(e)) {
                throw new ElasticsearchStatusException(
                    ModelsApi.imageTooLongToParse("[" + HammingQueryJson.NAME + "] [" + name + "]", encoder == null ? 0 : encoder.maxImageBytes(), e),
                    RestStatus.REQUEST_ENTITY_TOO_LARGE,
                    e
                );
            }
            throw e;
        }
    }
}
