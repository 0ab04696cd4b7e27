package dev.safetensors.load;

/**
 * What a streaming load did, so far.
 *
 * @param tensors           tensors (pieces) finished
 * @param bytes             bytes read from the files
 * @param stagingHighWater  the most staging memory held at once, never more than the budget
 * @param stagingAllocated  staging memory allocated in all
 * @param directIo          whether reads bypassed the page cache
 */
public record LoadStats(long tensors, long bytes, long stagingHighWater, long stagingAllocated, boolean directIo) {
}
