/**
 * The {@code image_hash} ingest processor: decodes an image from a document, runs the hash model on it and
 * writes the code into a {@code hash_code} field.
 *
 * <p>Filled by the ingest issue; the module exists now so that the build layout is fixed.
 */
package org.imagehash.ingest;
