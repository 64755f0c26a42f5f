package org.nct.tokenize;

/**
 * Suffix array (prefix doubling with counting sorts) and LCP array (Kasai) of an int sequence,
 * and the enumeration of its LCP intervals: the internal nodes of the suffix tree, i.e. every
 * substring that occurs at least twice and is followed by two different symbols (or the end).
 */
final class SuffixArray {
    private SuffixArray() { }

    /** Receives one internal node: depth (substring length), first SA index, occurrence count. */
    interface NodeVisitor {
        void node(int depth, int lb, int count);
    }

    /** The suffix array of {@code s} (values must be >= 0). */
    static int[] build(int[] s) {
        int n = s.length;
        int[] sa = new int[n], rank = new int[n], tmp = new int[n];
        if (n == 0) return sa;
        // ranks of single symbols, compressed
        int max = 0;
        for (int v : s) max = Math.max(max, v);
        int[] cnt = new int[max + 2];
        for (int v : s) cnt[v + 1] = 1;
        for (int i = 1; i < cnt.length; i++) cnt[i] += cnt[i - 1];
        for (int i = 0; i < n; i++) rank[i] = cnt[s[i]];
        int classes = cnt[max + 1];
        int[] sa2 = new int[n];
        for (int i = 0; i < n; i++) sa2[i] = i;
        countingSort(sa2, sa, rank, classes);
        for (int k = 1; ; k <<= 1) {
            // sort by (rank[i], rank[i+k]) : order by second key is derived from sa
            int p = 0;
            for (int i = n - k; i < n; i++) sa2[p++] = i;          // empty second key first
            for (int i = 0; i < n; i++) if (sa[i] >= k) sa2[p++] = sa[i] - k;
            countingSort(sa2, sa, rank, classes);
            tmp[sa[0]] = 0;
            int c = 0;
            for (int i = 1; i < n; i++) {
                int a = sa[i - 1], b = sa[i];
                int ra = a + k < n ? rank[a + k] : -1, rb = b + k < n ? rank[b + k] : -1;
                if (rank[a] != rank[b] || ra != rb) c++;
                tmp[b] = c;
            }
            int[] t = rank; rank = tmp; tmp = t;
            classes = c + 1;
            if (classes == n) break;
        }
        return sa;
    }

    /** Stable counting sort of {@code in} by {@code key[x]} into {@code out}. */
    private static void countingSort(int[] in, int[] out, int[] key, int classes) {
        int[] cnt = new int[classes + 1];
        for (int x : in) cnt[key[x] + 1]++;
        for (int i = 1; i <= classes; i++) cnt[i] += cnt[i - 1];
        for (int x : in) out[cnt[key[x]]++] = x;
    }

    /** lcp[i] = length of the common prefix of suffixes sa[i-1] and sa[i] (lcp[0] = 0). */
    static int[] lcp(int[] s, int[] sa) {
        int n = s.length;
        int[] rank = new int[n], lcp = new int[n];
        for (int i = 0; i < n; i++) rank[sa[i]] = i;
        int h = 0;
        for (int i = 0; i < n; i++) {
            if (rank[i] > 0) {
                int j = sa[rank[i] - 1];
                while (i + h < n && j + h < n && s[i + h] == s[j + h]) h++;
                lcp[rank[i]] = h;
                if (h > 0) h--;
            } else {
                h = 0;
            }
        }
        return lcp;
    }

    /** Calls {@code v} for every LCP interval with depth > 0, children before parents. */
    static void internalNodes(int[] lcp, NodeVisitor v) {
        int n = lcp.length;
        int[] stackDepth = new int[n + 1], stackLb = new int[n + 1];
        int top = 0;
        stackDepth[0] = 0;
        stackLb[0] = 0;
        for (int i = 1; i <= n; i++) {
            int cur = i < n ? lcp[i] : 0;
            int lb = i - 1;
            while (cur < stackDepth[top]) {
                lb = stackLb[top];
                int depth = stackDepth[top];
                top--;
                v.node(depth, lb, i - lb);
            }
            if (cur > stackDepth[top]) {
                top++;
                stackDepth[top] = cur;
                stackLb[top] = lb;
            }
        }
    }
}
