package org.imagehash.elasticsearch.query;

import org.imagehash.elasticsearch.mapper.XContentValues;
import org.imagehash.search.HashCodeValues;
import org.imagehash.search.query.ImageEncoder;
import org.elasticsearch.core.CheckedFunction;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.common.ParsingException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.index.query.AbstractQueryBuilder;
import org.elasticsearch.index.query.QueryBuilder;

import java.io.IOException;

import static org.imagehash.elasticsearch.query.HammingQueryBuilder.NAME;

/**
 * Parses the {@code hamming} query's JSON into a {@link HammingQueryBuilder}. Every error is a parsing error (a 400)
 * that names the parameter: wrong types are not coerced ({@code 10.5} is not a {@code k}).
 */
final class HammingQueryParser {

    static final ParseField FIELD = new ParseField("field");
    static final ParseField CODE = new ParseField("code");
    static final ParseField K = new ParseField("k");
    static final ParseField MAX_DISTANCE = new ParseField("max_distance");
    static final ParseField FILTER = new ParseField("filter");
    static final ParseField IGNORE_UNMAPPED = new ParseField("ignore_unmapped");
    static final ParseField IMAGE = new ParseField("image");
    static final ParseField MODEL_ID = new ParseField("model_id");
    static final ParseField LIKE = new ParseField("like");

    private HammingQueryParser() {}

    /** @param innerQuery parses the {@code filter} query (Elasticsearch keeps that parser to query builders) */
    static HammingQueryBuilder parse(XContentParser parser, ImageEncoder encoder, CheckedFunction<XContentParser, QueryBuilder, IOException> innerQuery)
        throws IOException {
        String fieldName = null;
        byte[] code = null;
        String image = null;
        String modelId = null;
        CodeSource.Like like = null;
        Integer k = null;
        Integer maxDistance = null;
        QueryBuilder filter = null;
        boolean ignoreUnmapped = false;
        float boost = AbstractQueryBuilder.DEFAULT_BOOST;
        String queryName = null;

        String current = null;
        XContentParser.Token token;
        while ((token = parser.nextToken()) != XContentParser.Token.END_OBJECT) {
            if (token == XContentParser.Token.FIELD_NAME) {
                current = parser.currentName();
            } else if (CODE.match(current, parser.getDeprecationHandler())) {
                try {
                    code = HashCodeValues.parse(XContentValues.read(parser));
                } catch (IllegalArgumentException e) {
                    throw new ParsingException(
                        parser.getTokenLocation(),
                        "[" + NAME + "] [code] must be a hex string or an array of integers in [-128, 255]; " + e.getMessage()
                    );
                }
            } else if (LIKE.match(current, parser.getDeprecationHandler())) {
                like = parseLike(parser);
            } else if (FILTER.match(current, parser.getDeprecationHandler())) {
                if (token != XContentParser.Token.START_OBJECT) {
                    throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [filter] must be a query object");
                }
                filter = innerQuery.apply(parser);
            } else if (token.isValue() == false) {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] [" + current + "] must be a value, got " + token);
            } else if (FIELD.match(current, parser.getDeprecationHandler())) {
                fieldName = parser.text();
            } else if (IMAGE.match(current, parser.getDeprecationHandler())) {
                image = parser.text();
            } else if (MODEL_ID.match(current, parser.getDeprecationHandler())) {
                modelId = parser.text();
            } else if (K.match(current, parser.getDeprecationHandler())) {
                k = intValue(parser, current);
            } else if (MAX_DISTANCE.match(current, parser.getDeprecationHandler())) {
                maxDistance = intValue(parser, current);
            } else if (IGNORE_UNMAPPED.match(current, parser.getDeprecationHandler())) {
                ignoreUnmapped = scalar(parser, current, XContentParser::booleanValue);
            } else if (AbstractQueryBuilder.BOOST_FIELD.match(current, parser.getDeprecationHandler())) {
                boost = scalar(parser, current, XContentParser::floatValue);
            } else if (AbstractQueryBuilder.NAME_FIELD.match(current, parser.getDeprecationHandler())) {
                queryName = parser.text();
            } else {
                throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] query does not support [" + current + "]");
            }
        }
        if (fieldName == null) {
            throw new ParsingException(parser.getTokenLocation(), "[" + NAME + "] requires [field]");
        }
        try {
            return new HammingQueryBuilder(fieldName, source(code, image, modelId, like), encoder).k(k)
                .maxDistance(maxDistance)
                .filterQuery(filter)
                .ignoreUnmapped(ignoreUnmapped)
                .boost(boost)
                .queryName(queryName);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage(), e);
        }
    }

    /** Exactly one of code, image (with an optional model id) and like. */
    private static CodeSource source(byte[] code, String image, String modelId, CodeSource.Like like) {
        int sources = (code != null ? 1 : 0) + (image != null ? 1 : 0) + (like != null ? 1 : 0);
        if (sources == 0) {
            throw new IllegalArgumentException("[" + NAME + "] requires [code], [image] or [like]");
        }
        if (sources > 1) {
            throw new IllegalArgumentException("[" + NAME + "] requires exactly one of [code], [image] or [like]");
        }
        if (modelId != null && image == null) {
            throw new IllegalArgumentException("[" + NAME + "] [model_id] goes with [image]");
        }
        return code != null ? new CodeSource.Code(code) : image != null ? new CodeSource.Image(image, modelId) : like;
    }

    private static CodeSource.Like parseLike(XContentParser parser) throws IOException {
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
            return new CodeSource.Like(index, id);
        } catch (IllegalArgumentException e) {
            throw new ParsingException(parser.getTokenLocation(), e.getMessage());
        }
    }

    /** A value read by the parser, with a wrong type reported as a parsing error that names the parameter. */
    private static <T> T scalar(XContentParser parser, String name, CheckedFunction<XContentParser, T, IOException> read) throws IOException {
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
}
