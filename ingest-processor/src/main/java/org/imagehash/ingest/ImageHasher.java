package org.imagehash.ingest;

import org.imagehash.model.HashModel;
import org.imagehash.model.ImageBytes;
import org.imagehash.model.ModelRegistry;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What the {@code image_hash} ingest processor does, for any engine: reads an image from {@code field} of each document
 * (base64 text in JSON; raw bytes where the document came as CBOR or SMILE, which carry binary values as they are), encodes a batch of them in one inference call, and writes each code, as hex, into
 * {@code target_field}. A document whose image is missing, not base64, corrupt or over the node's limits fails alone,
 * with a reason naming the field; the others are encoded. Engines adapt their documents to {@link Document}.
 */
public final class ImageHasher {

    public static final String TYPE = "image_hash";

    /** An ingest document as the engine holds it. */
    public interface Document {
        /** The value at a (dotted) path, or null when absent. */
        Object get(String path);

        void set(String path, Object value);

        void remove(String path);

        /** This document fails with {@code reason} (the engine sends it to {@code on_failure}, or rejects it). */
        void fail(Exception reason);
    }

    private final ModelRegistry models;
    private final String modelId;
    private final String field;
    private final String targetField;
    private final boolean ignoreMissing;
    private final boolean removeSourceField;

    public ImageHasher(ModelRegistry models, String modelId, String field, String targetField, boolean ignoreMissing, boolean removeSourceField) {
        this.models = models;
        this.modelId = modelId;
        this.field = field;
        this.targetField = targetField;
        this.ignoreMissing = ignoreMissing;
        this.removeSourceField = removeSourceField;
    }

    public String modelId() {
        return modelId;
    }

    public String field() {
        return field;
    }

    public String targetField() {
        return targetField;
    }

    /** Encodes the documents' images in one batch; every document either gets its code or fails. */
    public void encode(List<? extends Document> documents) {
        List<Document> toEncode = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        for (Document document : documents) {
            try {
                byte[] image = readImage(document);
                if (image != null) {
                    toEncode.add(document);
                    images.add(image);
                }
            } catch (IllegalArgumentException e) {
                document.fail(e);
            }
        }
        if (images.isEmpty() == false) {
            encode(toEncode, images);
        }
    }

    /** The decoded image bytes, or null when the field is missing and that is allowed. */
    private byte[] readImage(Document document) {
        Object value = document.get(field);
        if (value == null) {
            if (ignoreMissing) {
                return null;
            }
            throw new IllegalArgumentException("[" + TYPE + "] field [" + field + "] is missing or null; set ignore_missing to skip such documents");
        }
        if (value instanceof byte[] raw) { // a CBOR or SMILE document's binary value: the image as it is, no base64
            return ImageBytes.raw(raw, "[" + TYPE + "] field [" + field + "]");
        }
        if (value instanceof String == false) {
            throw new IllegalArgumentException(
                "[" + TYPE + "] field [" + field + "] must be an image: base64 text, or raw bytes in a CBOR or SMILE document; got a "
                    + value.getClass().getSimpleName()
            );
        }
        return ImageBytes.fromBase64((String) value, "[" + TYPE + "] field [" + field + "]");
    }

    private void encode(List<Document> documents, List<byte[]> images) {
        List<HashModel.Result> results;
        try {
            results = models.get(modelId).encode(images);
        } catch (RuntimeException e) { // the model itself failed: every document of the batch fails with the reason
            documents.forEach(document -> document.fail(e));
            return;
        }
        for (int i = 0; i < documents.size(); i++) {
            Document document = documents.get(i);
            HashModel.Result result = results.get(i);
            if (result.failure() != null) {
                // no cause attached: on_failure handlers read the root cause's message, which should be this one
                document.fail(new IllegalArgumentException("[" + TYPE + "] field [" + field + "]: " + result.failure().getMessage()));
                continue;
            }
            document.set(targetField, HexFormat.of().formatHex(result.code()));
            if (removeSourceField && field.equals(targetField) == false) {
                document.remove(field);
            }
        }
    }
}
