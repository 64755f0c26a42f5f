package org.nct.tokenize;

import java.util.Arrays;

/**
 * A trie over Unicode code points mapping pieces to ids, stored as an open-addressing hash table
 * of (node, code point) → child. Node 0 is the root. Negative code points never match (callers use
 * them for units that no piece may cover).
 */
final class PieceTrie {
    private long[] keys;
    private int[] children;
    private int[] values = new int[16];
    private int nodes = 1;
    private int used;
    private int maxDepth;

    PieceTrie(int expectedNodes) {
        int cap = Integer.highestOneBit(Math.max(16, expectedNodes * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, -1L);
        children = new int[cap];
        values[0] = -1;
    }

    /** Adds {@code piece} (code points) with id {@code id}; a later add of the same piece wins. */
    void add(int[] piece, int id) {
        int node = 0;
        for (int cp : piece) {
            int child = child(node, cp);
            if (child < 0) child = addChild(node, cp);
            node = child;
        }
        values[node] = id;
        maxDepth = Math.max(maxDepth, piece.length);
    }

    /** The child of {@code node} along {@code cp}, or -1. */
    int child(int node, int cp) {
        if (cp < 0) return -1;
        long key = ((long) node << 21) | cp;
        int mask = keys.length - 1;
        int h = mix(key) & mask;
        while (true) {
            long k = keys[h];
            if (k == key) return children[h];
            if (k == -1L) return -1;
            h = (h + 1) & mask;
        }
    }

    /** The id of the piece ending at {@code node}, or -1. */
    int value(int node) {
        return values[node];
    }

    int maxDepth() {
        return maxDepth;
    }

    private int addChild(int node, int cp) {
        if ((used + 1) * 2 > keys.length) rehash();
        int id = nodes++;
        if (id == values.length) values = Arrays.copyOf(values, id * 2);
        values[id] = -1;
        put(((long) node << 21) | cp, id);
        used++;
        return id;
    }

    private void put(long key, int child) {
        int mask = keys.length - 1;
        int h = mix(key) & mask;
        while (keys[h] != -1L) h = (h + 1) & mask;
        keys[h] = key;
        children[h] = child;
    }

    private void rehash() {
        long[] ok = keys;
        int[] oc = children;
        keys = new long[ok.length * 2];
        Arrays.fill(keys, -1L);
        children = new int[ok.length * 2];
        for (int i = 0; i < ok.length; i++) if (ok[i] != -1L) put(ok[i], oc[i]);
    }

    private static int mix(long k) {
        k *= 0x9E3779B97F4A7C15L;
        return (int) (k ^ (k >>> 29));
    }
}
