package org.nct.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agrona.collections.IntHashSet;
import org.agrona.collections.Long2LongCounterMap;
import org.agrona.collections.Object2LongCounterMap;
import org.nct.InvalidInputException;

/**
 * nct's own Unigram-LM subword trainer, following SentencePiece's algorithm (Kudo 2018 and the
 * {@code spm_train} unigram trainer):
 * <ol>
 *   <li>sentences are the lines of the training text (lines over {@code maxSentenceLength} bytes
 *       are skipped), normalized with the identity rule, spaces escaped to U+2581;</li>
 *   <li>characters are kept by frequency up to {@code characterCoverage}; rarer ones become an
 *       unknown marker (byte fallback covers them when the model is applied);</li>
 *   <li>seed vocabulary: every character plus the most frequent substrings (internal nodes of the
 *       suffix tree of all sentences, scored by frequency × length, at most 16 characters, U+2581
 *       only in front, one Unicode script, digits apart), {@code seedSize} of them;</li>
 *   <li>sentences are split into words at U+2581; then EM over each word's lattice of pieces
 *       (forward–backward expected counts, a Bayesian M-step with digamma, pieces expected less
 *       than 0.5 times dropped), two sub-iterations per round;</li>
 *   <li>pruning: each piece's loss is the drop in likelihood when its occurrences are replaced by
 *       its second-best segmentation; the best 75% survive, until 1.1 × the vocabulary is
 *       reached; finally the required characters and the highest-scoring pieces fill the
 *       vocabulary.</li>
 * </ol>
 * The model has {@code <unk>}, {@code <s>}, {@code </s>}, 256 byte pieces, then the pieces;
 * flags: identity normalization, no dummy prefix, no whitespace removal, byte fallback — so
 * applying it is lossless. Deterministic: single-threaded, all ties broken by index or text; hash
 * maps only count (Agrona's primitive maps, no boxing) and are never iterated without a sort.
 *
 * <p>Text order is UTF-8 byte order, which for the code points of decoded text (no surrogates)
 * is code point order: ties between characters and between words are broken by comparing code
 * points, never UTF-16 {@code String} order.
 */
public final class UnigramTrainer {
    private static final int WS = 0x2581, UNK_CHAR = 0x2585;
    private static final int META = 3 + 256;

    private int vocabSize = 32000;
    private double characterCoverage = 0.9995;
    private int seedSize = 1_000_000;
    private double shrinkingFactor = 0.75;
    private int subIterations = 2;
    private int maxPieceLength = 16;
    private int maxSentenceLength = 4192;

    public UnigramTrainer vocabSize(int v) {
        if (v <= META + 1 || v > 65536) throw new InvalidInputException("spm vocabulary must be in (" + (META + 1) + ", 65536], got " + v);
        this.vocabSize = v;
        return this;
    }

    public UnigramTrainer characterCoverage(double c) {
        this.characterCoverage = c;
        return this;
    }

    public UnigramTrainer seedSize(int s) {
        this.seedSize = s;
        return this;
    }

    /** A piece under training: code points and score. */
    private record Piece(int[] cps, String text, double score) { }

    /** A distinct word with its count. */
    private record Word(int[] cps, long freq) { }

    /**
     * The lines a SentencePiece model learns from (what {@link Methods#trainSpm} feeds
     * {@link #train}): the text's lines, long ones cut at a space before 3,000 characters, so that
     * the {@code maxSentenceLength} rule (lines over 4,192 bytes are skipped, as spm_train does)
     * does not drop them; some corpora, e.g. the experiment's default one, hold whole speeches on
     * one line.
     */
    public static List<byte[]> lines(byte[] text) {
        List<byte[]> out = new ArrayList<>();
        for (String line : new String(text, StandardCharsets.UTF_8).split("\n")) {
            while (line.length() > 3000) {
                int cut = line.lastIndexOf(' ', 3000);
                if (cut <= 0) cut = 1000;
                out.add(line.substring(0, cut).getBytes(StandardCharsets.UTF_8));
                line = line.substring(cut);
            }
            if (!line.isEmpty()) out.add(line.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Trains on the lines of {@code documents}. */
    public SentencePieceModel train(List<byte[]> documents) {
        List<int[]> sentences = sentences(documents);
        if (sentences.isEmpty()) throw new InvalidInputException("spm training text has no usable lines");
        int[] required = requiredChars(sentences);
        if (required.length + META >= vocabSize) {
            throw new InvalidInputException("spm vocabulary " + vocabSize + " is too small for " + required.length + " required characters + " + META + " special pieces");
        }
        IntHashSet known = new IntHashSet(required.length * 2);
        for (int c : required) known.add(c);
        for (int[] s : sentences) for (int i = 0; i < s.length; i++) if (!known.contains(s[i])) s[i] = UNK_CHAR;

        List<Piece> pieces = seeds(sentences);
        List<Word> words = words(sentences);
        int desired = (int) (vocabSize * 1.1);
        while (true) {
            for (int it = 0; it < subIterations; it++) pieces = mStep(pieces, eStep(pieces, words));
            if (pieces.size() <= desired) break;
            pieces = prune(pieces, words, desired);
        }
        return finish(pieces, required);
    }

    // ---------------------------------------------------------------- sentences and characters

    private List<int[]> sentences(List<byte[]> documents) {
        List<int[]> out = new ArrayList<>();
        for (byte[] doc : documents) {
            int start = 0;
            for (int i = 0; i <= doc.length; i++) {
                if (i < doc.length && doc[i] != '\n') continue;
                int len = i - start;
                if (len > 0 && len <= maxSentenceLength) {
                    String line = new String(doc, start, len, StandardCharsets.UTF_8);
                    if (line.indexOf(UNK_CHAR) < 0) {
                        if (line.indexOf('<') >= 0) line = line.replace("<unk>", " ").replace("<s>", " ").replace("</s>", " ");
                        int[] cps = line.codePoints().map(c -> c == ' ' ? WS : c).toArray();
                        if (cps.length > 0) out.add(cps);
                    }
                }
                start = i + 1;
            }
        }
        return out;
    }

    /**
     * The characters kept by {@code characterCoverage}, most frequent first (ties by code point):
     * they cover at least that share of all characters (NUL excluded), and U+2585 never is one.
     */
    private int[] requiredChars(List<int[]> sentences) {
        Long2LongCounterMap counts = new Long2LongCounterMap(0);
        long all = 0;
        for (int[] s : sentences) {
            for (int c : s) {
                if (c == 0 || c == ' ') continue;
                counts.incrementAndGet(c);
                all++;
            }
        }
        long[] ranked = byCountThenCodePoint(counts);
        int[] required = new int[ranked.length];
        int n = 0;
        long acc = 0;
        for (long r : ranked) {
            if ((double) acc / all >= characterCoverage) break;
            int c = codePoint(r);
            acc += counts.get(c);
            if (c != UNK_CHAR) required[n++] = c;
        }
        return Arrays.copyOf(required, n);
    }

    /**
     * The code points of {@code counts}, most frequent first and ties by code point, each packed
     * as {@code (maxCount - count) << 21 | codePoint} so that one primitive sort orders them.
     */
    private static long[] byCountThenCodePoint(Long2LongCounterMap counts) {
        long max = Math.max(1, counts.maxValue());
        if (max >= 1L << 42) throw new IllegalStateException("character count " + max + " too large to rank");
        long[] packed = new long[counts.size()];
        int[] i = {0};
        counts.forEach((c, n) -> packed[i[0]++] = (max - n) << 21 | c);
        Arrays.sort(packed);
        return packed;
    }

    private static int codePoint(long packed) {
        return (int) (packed & 0x1F_FFFF);
    }

    // ---------------------------------------------------------------- seed pieces

    private List<Piece> seeds(List<int[]> sentences) {
        int total = 0;
        for (int[] s : sentences) total += s.length + 1;
        int[] array = new int[total];
        int p = 0;
        Long2LongCounterMap chars = new Long2LongCounterMap(0);
        for (int[] s : sentences) {
            for (int c : s) {
                array[p++] = c;
                if (c != UNK_CHAR) chars.incrementAndGet(c);
            }
            array[p++] = 0;
        }
        int[] sa = SuffixArray.build(array);
        int[] lcp = SuffixArray.lcp(array, sa);
        // bounded selection of substrings by score = frequency x length
        List<long[]> cand = new ArrayList<>(); // {score, saIndex, depth}
        SuffixArray.internalNodes(lcp, (depth, lb, count) -> {
            if (depth <= 1 || depth > maxPieceLength) return;
            int off = sa[lb];
            if (off + depth >= array.length) return;
            if (!validPiece(array, off, depth)) return;
            cand.add(new long[] {(long) count * depth, lb, depth});
        });
        cand.sort((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
        List<Piece> seeds = new ArrayList<>();
        for (long r : byCountThenCodePoint(chars)) {
            int c = codePoint(r);
            seeds.add(piece(new int[] {c}, chars.get(c)));
        }
        int limit = Math.min(cand.size(), seedSize);
        for (int i = 0; i < limit; i++) {
            long[] c = cand.get(i);
            int off = sa[(int) c[1]];
            seeds.add(piece(Arrays.copyOfRange(array, off, off + (int) c[2]), c[0]));
        }
        double sum = 0;
        for (Piece s : seeds) sum += s.score();
        double logsum = Math.log(sum);
        List<Piece> out = new ArrayList<>(seeds.size());
        for (Piece s : seeds) out.add(new Piece(s.cps(), s.text(), Math.log(s.score()) - logsum));
        return out;
    }

    private static Piece piece(int[] cps, double score) {
        return new Piece(cps, new String(cps, 0, cps.length), score);
    }

    /** SentencePiece's piece constraints (split by whitespace, script and number). */
    private boolean validPiece(int[] a, int off, int len) {
        int prevScript = -1;
        for (int i = 0; i < len; i++) {
            int c = a[off + i];
            if (c == 0 || c == UNK_CHAR || c == ' ' || c == '\t') return false;
            if (c == WS) {
                if (i > 0) return false;
                continue;
            }
            int s = script(c, prevScript);
            if (prevScript != -1 && prevScript != s) return false;
            prevScript = s;
        }
        return true;
    }

    private static int script(int c, int prev) {
        if (c >= '0' && c <= '9') return 1000; // split_by_number: digits form their own class
        Character.UnicodeScript s = Character.UnicodeScript.of(c);
        if (s == Character.UnicodeScript.HIRAGANA || s == Character.UnicodeScript.KATAKANA || c == 0x30FC) s = Character.UnicodeScript.HAN;
        if (s == Character.UnicodeScript.INHERITED && prev != -1) return prev;
        return s.ordinal();
    }

    // ---------------------------------------------------------------- words

    private static List<Word> words(List<int[]> sentences) {
        Object2LongCounterMap<String> counts = new Object2LongCounterMap<>(0);
        for (int[] s : sentences) {
            int start = 0;
            for (int i = 1; i <= s.length; i++) {
                if (i == s.length || s[i] == WS) {
                    counts.incrementAndGet(new String(s, start, i - start));
                    start = i;
                }
            }
        }
        List<Word> out = new ArrayList<>(counts.size());
        counts.forEach((w, n) -> out.add(new Word(w.codePoints().toArray(), n)));
        out.sort((a, b) -> a.freq() != b.freq() ? Long.compare(b.freq(), a.freq()) : Arrays.compare(a.cps(), b.cps()));
        return out;
    }

    // ---------------------------------------------------------------- lattice

    /** The current vocabulary as a trie, with the unknown score. */
    private static final class Vocab {
        final PieceTrie trie;
        final double[] score;
        final double unkScore;

        Vocab(List<Piece> pieces) {
            trie = new PieceTrie(pieces.size() * 4);
            score = new double[pieces.size()];
            double min = Double.MAX_VALUE;
            for (int i = 0; i < pieces.size(); i++) {
                trie.add(pieces.get(i).cps(), i);
                score[i] = pieces.get(i).score();
                min = Math.min(min, score[i]);
            }
            unkScore = min - 10.0;
        }
    }

    /** Lattice nodes of one word: node k spans [begin[k], end[k]) with piece id[k] (-1 unknown). */
    private static final class Lattice {
        int n;
        int[] begin = new int[64], end = new int[64], id = new int[64];
        double[] score = new double[64];

        void build(Vocab v, int[] w, int excludeId) {
            n = 0;
            int maxDepth = v.trie.maxDepth();
            for (int s = 0; s < w.length; s++) {
                boolean single = false;
                int node = 0;
                for (int e = s; e < Math.min(w.length, s + maxDepth); e++) {
                    node = v.trie.child(node, w[e]);
                    if (node < 0) break;
                    int pid = v.trie.value(node);
                    if (pid < 0) continue;
                    if (e == s) single = true;
                    if (pid == excludeId) continue;
                    add(s, e + 1, pid, v.score[pid]);
                }
                if (!single) add(s, s + 1, -1, v.unkScore);
            }
        }

        private void add(int b, int e, int pid, double sc) {
            if (n == begin.length) {
                begin = Arrays.copyOf(begin, n * 2);
                end = Arrays.copyOf(end, n * 2);
                id = Arrays.copyOf(id, n * 2);
                score = Arrays.copyOf(score, n * 2);
            }
            begin[n] = b;
            end[n] = e;
            id[n] = pid;
            score[n] = sc;
            n++;
        }

        /** Viterbi path (node indices in order), or null when the word cannot be covered. */
        int[] viterbi(int len) {
            double[] best = new double[len + 1];
            int[] back = new int[len + 1];
            Arrays.fill(best, Double.NEGATIVE_INFINITY);
            Arrays.fill(back, -1);
            best[0] = 0;
            // nodes are in order of begin, so best[begin] is final when a node is visited
            for (int k = 0; k < n; k++) {
                if (best[begin[k]] == Double.NEGATIVE_INFINITY) continue;
                double c = best[begin[k]] + score[k];
                if (c > best[end[k]]) {
                    best[end[k]] = c;
                    back[end[k]] = k;
                }
            }
            if (back[len] < 0 && len > 0) return null;
            int count = 0;
            for (int p = len; p > 0; p = begin[back[p]]) count++;
            int[] path = new int[count];
            for (int p = len, i = count - 1; p > 0; p = begin[back[p]]) path[i--] = back[p];
            return path;
        }
    }

    // ---------------------------------------------------------------- EM

    private double[] eStep(List<Piece> pieces, List<Word> words) {
        Vocab v = new Vocab(pieces);
        double[] expected = new double[pieces.size()];
        Lattice lat = new Lattice();
        double[] alpha = new double[0], beta = new double[0];
        for (Word w : words) {
            int len = w.cps().length;
            lat.build(v, w.cps(), -1);
            if (alpha.length < len + 1) {
                alpha = new double[len + 1];
                beta = new double[len + 1];
            }
            Arrays.fill(alpha, 0, len + 1, Double.NEGATIVE_INFINITY);
            Arrays.fill(beta, 0, len + 1, Double.NEGATIVE_INFINITY);
            alpha[0] = 0;
            for (int k = 0; k < lat.n; k++) alpha[lat.end[k]] = logAdd(alpha[lat.end[k]], alpha[lat.begin[k]] + lat.score[k]);
            beta[len] = 0;
            for (int k = lat.n - 1; k >= 0; k--) beta[lat.begin[k]] = logAdd(beta[lat.begin[k]], beta[lat.end[k]] + lat.score[k]);
            double z = alpha[len];
            for (int k = 0; k < lat.n; k++) {
                if (lat.id[k] < 0) continue;
                expected[lat.id[k]] += w.freq() * Math.exp(alpha[lat.begin[k]] + lat.score[k] + beta[lat.end[k]] - z);
            }
        }
        return expected;
    }

    private static double logAdd(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) return b;
        if (b == Double.NEGATIVE_INFINITY) return a;
        return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
    }

    private static List<Piece> mStep(List<Piece> pieces, double[] expected) {
        List<Piece> kept = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < pieces.size(); i++) {
            if (expected[i] < 0.5) continue;
            kept.add(new Piece(pieces.get(i).cps(), pieces.get(i).text(), expected[i]));
            sum += expected[i];
        }
        double logsum = digamma(sum);
        List<Piece> out = new ArrayList<>(kept.size());
        for (Piece p : kept) out.add(new Piece(p.cps(), p.text(), digamma(p.score()) - logsum));
        return out;
    }

    static double digamma(double x) {
        double result = 0;
        for (; x < 7; ++x) result -= 1 / x;
        x -= 0.5;
        double xx = 1.0 / x, xx2 = xx * xx, xx4 = xx2 * xx2;
        return result + Math.log(x) + xx2 / 24.0 - 7.0 / 960.0 * xx4 + 31.0 / 8064.0 * xx4 * xx2 - 127.0 / 30720.0 * xx4 * xx4;
    }

    // ---------------------------------------------------------------- pruning

    private List<Piece> prune(List<Piece> pieces, List<Word> words, int desired) {
        Vocab v = new Vocab(pieces);
        int n = pieces.size();
        boolean[] alwaysKeep = new boolean[n];
        int[][] alternatives = new int[n][];
        Lattice lat = new Lattice();
        for (int i = 0; i < n; i++) {
            int[] w = pieces.get(i).cps();
            alwaysKeep[i] = true;
            if (w.length == 1) continue; // no second segmentation
            lat.build(v, w, -1);
            int[] best = lat.viterbi(w.length);
            if (best.length >= 2) {
                alwaysKeep[i] = false;
                continue;
            }
            lat.build(v, w, i);
            int[] alt = lat.viterbi(w.length);
            if (alt == null) continue;
            int[] ids = new int[alt.length];
            for (int k = 0; k < alt.length; k++) ids[k] = lat.id[alt[k]];
            alternatives[i] = ids;
        }
        double[] freq = new double[n];
        double[] occurrenceWeight = new double[n]; // sum over Viterbi occurrences of the word frequency
        double vsum = 0;
        for (Word w : words) {
            lat.build(v, w.cps(), -1);
            int[] path = lat.viterbi(w.cps().length);
            vsum += w.freq();
            for (int k : path) {
                int pid = lat.id[k];
                if (pid >= 0) {
                    freq[pid] += w.freq();
                    occurrenceWeight[pid] += w.freq();
                }
            }
        }
        double sum = 0;
        for (double f : freq) sum += f;
        double logsum = Math.log(sum);
        List<Piece> out = new ArrayList<>();
        List<double[]> cands = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (freq[i] == 0 || !alwaysKeep[i]) continue;
            if (alternatives[i] == null) {
                out.add(pieces.get(i));
                continue;
            }
            double f = occurrenceWeight[i] / vsum;
            double logprobSp = Math.log(freq[i]) - logsum;
            double logsumAlt = Math.log(sum + freq[i] * (alternatives[i].length - 1));
            double logprobAlt = 0;
            for (int a : alternatives[i]) {
                double fa = a >= 0 ? freq[a] : 0;
                logprobAlt += Math.log(fa + freq[i]) - logsumAlt;
            }
            cands.add(new double[] {i, f * (logprobSp - logprobAlt)});
        }
        cands.sort((a, b) -> a[1] != b[1] ? Double.compare(b[1], a[1]) : Double.compare(a[0], b[0]));
        int prunedSize = Math.max(desired, (int) (shrinkingFactor * n));
        for (double[] c : cands) {
            if (out.size() >= prunedSize) break;
            out.add(pieces.get((int) c[0]));
        }
        return out;
    }

    // ---------------------------------------------------------------- final vocabulary

    private SentencePieceModel finish(List<Piece> pieces, int[] required) {
        Map<String, Double> byText = new HashMap<>();
        double min = Double.MAX_VALUE;
        for (Piece p : pieces) {
            byText.put(p.text(), p.score());
            min = Math.min(min, p.score());
        }
        Map<String, Double> fin = new HashMap<>();
        double penalty = 0;
        for (int c : required) { // sorted by frequency, then code point
            String s = new String(new int[] {c}, 0, 1);
            Double sc = byText.get(s);
            if (sc != null) {
                fin.put(s, sc);
            } else {
                fin.put(s, min + penalty);
                penalty += 0.0001;
            }
        }
        int room = vocabSize - META;
        List<Piece> sorted = new ArrayList<>(pieces);
        sorted.sort(Comparator.comparingDouble(Piece::score).reversed().thenComparing(p -> utf8(p.cps()), UnigramTrainer::compareBytes));
        for (Piece p : sorted) {
            if (fin.containsKey(p.text())) continue;
            if (fin.size() == room) break;
            fin.put(p.text(), p.score());
        }
        if (fin.size() < room) {
            throw new InvalidInputException("spm vocabulary " + vocabSize + " is larger than the training text supports; use a vocabulary of "
                    + (fin.size() + META) + " or less, or more training text");
        }
        List<Map.Entry<String, Double>> ordered = new ArrayList<>(fin.entrySet());
        ordered.sort(Map.Entry.<String, Double>comparingByValue().reversed()
                .thenComparing(e -> e.getKey().getBytes(StandardCharsets.UTF_8), UnigramTrainer::compareBytes));
        List<SentencePieceModel.Piece> out = new ArrayList<>();
        out.add(new SentencePieceModel.Piece("<unk>", 0, SentencePieceModel.UNKNOWN));
        out.add(new SentencePieceModel.Piece("<s>", 0, SentencePieceModel.CONTROL));
        out.add(new SentencePieceModel.Piece("</s>", 0, SentencePieceModel.CONTROL));
        for (int b = 0; b < 256; b++) out.add(new SentencePieceModel.Piece(String.format("<0x%02X>", b), 0, SentencePieceModel.BYTE));
        for (Map.Entry<String, Double> e : ordered) out.add(new SentencePieceModel.Piece(e.getKey(), (float) (double) e.getValue(), SentencePieceModel.NORMAL));
        return new SentencePieceModel(out, true, false, false, true, "identity", " \u2047 ");
    }

    private static byte[] utf8(int[] cps) {
        return new String(cps, 0, cps.length).getBytes(StandardCharsets.UTF_8);
    }

    private static int compareBytes(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }
}
