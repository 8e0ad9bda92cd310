/**
 * The {@code image_hash} ingest processor's work, for any engine: batched encoding of documents' images with
 * per-document failures. Each engine's processor is a thin adapter over {@link org.imagehash.ingest.ImageHasher}.
 */
package org.imagehash.ingest;
