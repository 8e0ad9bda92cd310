package org.imagehash.opensearch.query;

import org.apache.lucene.util.SetOnce;
import org.imagehash.model.ImageBytes;
import org.imagehash.model.ModelRegistry;
import org.imagehash.model.UnknownModelException;
import org.imagehash.search.HashCodeValues;
import org.imagehash.search.HashCodes;
import org.imagehash.search.query.ImageEncoder;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.action.get.GetRequest;
import org.opensearch.action.get.GetResponse;
import org.opensearch.common.xcontent.support.XContentMapValues;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.index.query.QueryRewriteContext;
import org.imagehash.opensearch.action.EncodeImageAction;
import org.imagehash.opensearch.mapper.HashCodeFieldType;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.Supplier;

import static org.imagehash.opensearch.query.HammingQueryBuilder.NAME;

/**
 * Where a {@code hamming} query's code comes from: the {@code code} itself, an {@code image} to encode, or a document
 * to look {@code like}. Each resolves itself while the query is rewritten on the coordinating node ({@link #rewrite}),
 * so that shards only ever see a {@link Code}.
 */
public sealed interface CodeSource permits CodeSource.Code, CodeSource.Image, CodeSource.Like, CodeSource.Fetching {

    /** The code once known; null while it still has to come from an image or a document. */
    default byte[] code() {
        return null;
    }

    /** This source one step nearer to a code; {@code this} when there is nothing to do. */
    CodeSource rewrite(QueryRewriteContext context, String field, ImageEncoder encoder);

    void toXContent(XContentBuilder builder) throws IOException;

    /** The wire form: four optional slots (code, image, model id, like), the same for every source. */
    void writeTo(StreamOutput out) throws IOException;

    static CodeSource readFrom(StreamInput in) throws IOException {
        byte[] code = in.readBoolean() ? in.readByteArray() : null;
        String image = in.readOptionalString();
        String modelId = in.readOptionalString();
        Like like = in.readBoolean() ? new Like(in.readString(), in.readString()) : null;
        return code != null ? new Code(code) : image != null ? new Image(image, modelId) : like;
    }

    private static void write(StreamOutput out, byte[] code, String image, String modelId, Like like) throws IOException {
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
    }

    /** The code, as sent (hex or bytes) or as resolved. */
    record Code(byte[] bytes) implements CodeSource {
        public Code {
            if (bytes == null || bytes.length == 0) {
                throw new IllegalArgumentException("[" + NAME + "] requires a non-empty [code]");
            }
            bytes = bytes.clone();
        }

        @Override
        public byte[] code() {
            return bytes.clone();
        }

        @Override
        public CodeSource rewrite(QueryRewriteContext context, String field, ImageEncoder encoder) {
            return this;
        }

        @Override
        public void toXContent(XContentBuilder builder) throws IOException {
            builder.field("code", HashCodes.toHex(bytes));
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            write(out, bytes, null, null, null);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Code that && Arrays.equals(bytes, that.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** A base64 image, encoded once with {@code modelId} (null: the bundled model) on the coordinating node. */
    record Image(String base64, String modelId) implements CodeSource {
        public Image {
            if (base64 == null || base64.isEmpty()) {
                throw new IllegalArgumentException("[" + NAME + "] [image] must be a non-empty base64 string");
            }
        }

        @Override
        public CodeSource rewrite(QueryRewriteContext context, String field, ImageEncoder encoder) {
            if (encoder == null) {
                throw new IllegalStateException("[" + NAME + "] [image] needs the image-hash plugin's models on this node");
            }
            byte[] bytes = ImageBytes.fromBase64(base64, "[" + NAME + "] [image]");
            String model = modelId;
            if (model == null) {
                // without model_id, the field's model (its model_id mapping parameter) encodes the image: known only
                // where the mapping is, on the shards
                org.opensearch.index.query.QueryShardContext shard = context.convertToShardContext();
                if (shard == null) {
                    return this;
                }
                model = shard.fieldMapper(field) instanceof HashCodeFieldType type && type.modelId() != null ? type.modelId() : ModelRegistry.DEFAULT_ID;
            }
            return encode(context, encoder, bytes, model);
        }

        private CodeSource encode(QueryRewriteContext context, ImageEncoder encoder, byte[] bytes, String model) {
            if (context.convertToShardContext() == null) {
                // on the coordinating node this rewrite runs on the HTTP network thread (measured: OpenSearch 3.5's
                // TransportSearchAction rewrites there). Encoding may load the model (blocking reads of the model
                // index) and waits for an inference slot when all are busy, and a blocked network thread stalls every
                // connection it serves: so load and encode on the generic pool (the encode action), whose wait is
                // bounded by image_hash.inference.max_waiting (a 429 beyond). On a shard (no model_id: the field's
                // model) it runs on the search thread, since shard-level rewrites are not all able to wait for async
                // actions; the search pool's own size bounds those waits.
                SetOnce<byte[]> encoded = new SetOnce<>();
                context.registerAsyncAction(
                    (client, listener) -> client.execute(
                        EncodeImageAction.INSTANCE,
                        new EncodeImageAction.Request(model, base64),
                        ActionListener.wrap(response -> {
                            encoded.set(response.code());
                            listener.onResponse(null);
                        }, e -> listener.onFailure(asQueryError(e, model)))
                    )
                );
                return new Fetching(encoded::get);
            }
            try {
                return new Code(encoder.encode(model, bytes));
            } catch (UnknownModelException e) {
                throw new IllegalArgumentException("[" + NAME + "] [model_id]: " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("[" + NAME + "] [image] (model [" + model + "]): " + e.getMessage(), e);
            }
        }

        /** The encode action's failure as the synchronous path reports it. */
        private static Exception asQueryError(Exception e, String model) {
            Throwable cause = org.opensearch.ExceptionsHelper.unwrapCause(e);
            if (cause instanceof ResourceNotFoundException) {
                return new IllegalArgumentException("[" + NAME + "] [model_id]: " + cause.getMessage(), e);
            }
            if (cause instanceof IllegalArgumentException) {
                return new IllegalArgumentException("[" + NAME + "] [image] (model [" + model + "]): " + cause.getMessage(), e);
            }
            return e;
        }

        @Override
        public void toXContent(XContentBuilder builder) throws IOException {
            builder.field("image", base64);
            if (modelId != null) {
                builder.field("model_id", modelId);
            }
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            write(out, null, base64, modelId, null);
        }
    }

    /** A stored document whose code, in the same field, is the query code. */
    record Like(String index, String id) implements CodeSource {
        public Like {
            if (index == null || index.isEmpty() || id == null || id.isEmpty()) {
                throw new IllegalArgumentException("[" + NAME + "] [like] needs both [index] and [id]");
            }
        }

        @Override
        public CodeSource rewrite(QueryRewriteContext context, String field, ImageEncoder encoder) {
            SetOnce<byte[]> fetched = new SetOnce<>();
            context.registerAsyncAction((client, listener) -> client.get(new GetRequest(index, id), ActionListener.wrap(response -> {
                fetched.set(likedCode(response, field));
                listener.onResponse(null);
            }, listener::onFailure)));
            return new Fetching(fetched::get);
        }

        private byte[] likedCode(GetResponse response, String field) {
            if (response.isExists() == false) {
                throw new ResourceNotFoundException("[" + NAME + "] [like] document [" + id + "] was not found in index [" + index + "]");
            }
            Object value = XContentMapValues.extractValue(field, response.getSourceAsMap());
            if (value == null) {
                throw new IllegalArgumentException(
                    "[" + NAME + "] [like] document [" + id + "] of index [" + index + "] has no value in field [" + field + "]"
                );
            }
            try {
                return HashCodeValues.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                    "[" + NAME + "] [like] document [" + id + "] has no usable code in field [" + field + "]: " + e.getMessage()
                );
            }
        }

        @Override
        public void toXContent(XContentBuilder builder) throws IOException {
            builder.startObject("like").field("index", index).field("id", id).endObject();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            write(out, null, null, null, this);
        }
    }

    /** A liked document's code while the document is being fetched; lives only within one rewrite on one node. */
    record Fetching(Supplier<byte[]> fetched) implements CodeSource {
        @Override
        public CodeSource rewrite(QueryRewriteContext context, String field, ImageEncoder encoder) {
            byte[] code = fetched.get();
            return code == null ? this : new Code(code);
        }

        @Override
        public void toXContent(XContentBuilder builder) {
            throw new IllegalStateException("[" + NAME + "] cannot be shown while its [like] document is being fetched");
        }

        @Override
        public void writeTo(StreamOutput out) {
            throw new IllegalStateException("[" + NAME + "] cannot be serialized while its [like] document is being fetched; rewrite it first");
        }
    }
}
