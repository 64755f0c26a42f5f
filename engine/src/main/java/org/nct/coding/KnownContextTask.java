package org.nct.coding;

/**
 * A {@link CodingTask} whose whole context is known before it starts: an encoder of one block in a
 * single context (no window resets). It asks for exactly {@link #length()} CDFs, the i-th after the
 * start token and bytes 0..i−1, and feeds byte i after it, so every CDF it needs can be computed in
 * one batched pass over the block (prefill) instead of one model step per byte. {@link #length()}
 * and {@link #byteAt} depend only on the input, so a driver may call them while the task codes an
 * earlier chunk on another thread.
 */
public interface KnownContextTask extends CodingTask {
    /** The number of CDFs the task asks for (the bytes it encodes). */
    int length();

    /** The byte (0..255) the task feeds after its i-th CDF, 0 ≤ i &lt; length(). */
    int byteAt(int i);
}
