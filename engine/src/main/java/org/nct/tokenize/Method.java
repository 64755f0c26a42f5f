package org.nct.tokenize;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nct.InvalidInputException;
import org.nct.InvalidSettingException;

/**
 * One way of turning text into M2 tokens, as the paper names them: {@code bytes}, {@code spm},
 * {@code gzip[v]}, {@code static-ac[v]}, {@code ac[v]} and {@code eqinfo-ac[b,v]}. The one spec
 * syntax of {@code nct tokenize --method}, {@code nct tokenize --report --methods},
 * {@code nct spark tokenize --method} and {@code nct experiment --methods} is
 * {@code NAME[b=B,v=V]} ({@link #parse}); {@link Methods} builds the tokenizer of a method.
 *
 * @param kind   the tokenization method
 * @param bits   window size in bits for {@code eqinfo-ac}, 0 otherwise
 * @param vocab  M2 vocabulary: 256 or 65,536 for the compressed methods, 256 for bytes, the
 *               subword vocabulary for spm
 */
public record Method(Kind kind, int bits, int vocab) {

    public enum Kind {
        BYTES("bytes", "Bytes"), SPM("spm", "SentencePiece"), GZIP("gzip", "GZip"),
        STATIC_AC("static-ac", "StaticAC"), AC("ac", "AC"), EQINFO_AC("eqinfo-ac", "EqualInfoAC");

        final String cli;
        final String paper;

        Kind(String cli, String paper) {
            this.cli = cli;
            this.paper = paper;
        }

        /** The method's name in a spec, e.g. {@code eqinfo-ac}. */
        public String cliName() {
            return cli;
        }

        /** The paper's name, e.g. {@code EqualInfoAC}. */
        public String paperName() {
            return paper;
        }
    }

    public Method {
        if (kind == Kind.EQINFO_AC ? bits <= 0 : bits != 0) throw new IllegalArgumentException("window bits only for eqinfo-ac");
        boolean packed = kind == Kind.GZIP || kind == Kind.STATIC_AC || kind == Kind.AC || kind == Kind.EQINFO_AC;
        if (packed && vocab != 256 && vocab != 65536) throw new IllegalArgumentException(kind.cli + " needs v=256 or v=65536");
        if (kind == Kind.BYTES && vocab != 256) throw new IllegalArgumentException("bytes has v=256");
        if (kind == Kind.SPM && (vocab < 257 || vocab > 65536)) throw new IllegalArgumentException("spm vocabulary must be in [257, 65536]");
    }

    /** Every method name a spec may start with. */
    public static final List<String> NAMES = List.of("bytes", "spm", "gzip", "static-ac", "ac", "eqinfo-ac");

    /** The default SentencePiece vocabulary (the paper's T5 vocabulary size). */
    public static final int DEFAULT_SPM_VOCAB = 32000;

    /** Splits a list of specs at commas outside brackets (a comma-separated option such as the command line's {@code --methods}). */
    public static final String LIST_SPLIT = ",(?![^\\[]*\\])";

    private static final String SYNTAX = "NAME[b=B,v=V] with NAME one of bytes, spm, gzip, static-ac, ac, eqinfo-ac,"
            + " e.g. eqinfo-ac[b=16,v=65536], gzip[v=65k], spm[v=32000]";

    private static final Pattern SPEC = Pattern.compile(
            "(bytes|spm|gzip|static-ac|ac|eqinfo-ac)(?:\\[(?:b?=?(\\d+),)?(?:v?=?)(\\d+|65k)\\])?");

    /**
     * Parses {@code bytes}, {@code spm[32000]}, {@code gzip[256]}, {@code ac[v=65536]},
     * {@code eqinfo-ac[b=16,v=65k]}: v defaults to 256 (spm's to {@code spmVocab}), b to 16.
     * The older {@code NAME:V:B} form of {@code nct tokenize --report --methods} is refused with a
     * pointer to this syntax.
     */
    public static Method parse(String spec, int spmVocab) {
        String s = spec.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        if (s.contains(":")) {
            throw new InvalidInputException("method '" + spec + "': the NAME:V:B form is not accepted; write " + SYNTAX);
        }
        Matcher m = SPEC.matcher(s);
        if (!m.matches()) throw new InvalidInputException("unknown method '" + spec + "' (use " + SYNTAX + ")");
        Kind kind = kindOf(m.group(1));
        String v = m.group(3);
        int vocab = v == null ? (kind == Kind.SPM ? spmVocab : 256) : v.equals("65k") ? 65536 : Integer.parseInt(v);
        int bits = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        if (kind == Kind.EQINFO_AC && bits == 0) bits = 16;
        if (kind != Kind.EQINFO_AC && bits != 0) throw new InvalidInputException("method '" + spec + "': only eqinfo-ac has a window size");
        return checked(spec, kind, bits, vocab);
    }

    /**
     * The method of {@code spec} with an optional {@code vocab} and {@code bits}: spec is a name or
     * a full spec; {@code vocab} and {@code bits} (null: not given) set what a bare
     * name leaves at its default, and may not contradict a bracketed spec.
     */
    public static Method of(String spec, Integer vocab, Integer bits) {
        Method m = parse(spec, vocab != null ? vocab : DEFAULT_SPM_VOCAB);
        boolean bracketed = spec.contains("[");
        if (bits != null && m.kind() != Kind.EQINFO_AC) throw new InvalidSettingException("bits is for eqinfo-ac only, not " + m.kind().cli, "bits");
        if (bracketed) {
            if ((vocab != null && vocab != m.vocab()) || (bits != null && bits != m.bits())) {
                throw new InvalidSettingException("method " + spec + " contradicts vocab or bits; give the vocabulary and window in one place",
                        "method", "vocab", "bits");
            }
            return m;
        }
        return checked(spec, m.kind(), bits != null ? bits : m.bits(), vocab != null ? vocab : m.vocab());
    }

    private static Kind kindOf(String name) {
        return switch (name) {
            case "bytes" -> Kind.BYTES;
            case "spm" -> Kind.SPM;
            case "gzip" -> Kind.GZIP;
            case "static-ac" -> Kind.STATIC_AC;
            case "ac" -> Kind.AC;
            default -> Kind.EQINFO_AC;
        };
    }

    private static Method checked(String spec, Kind kind, int bits, int vocab) {
        if (kind == Kind.EQINFO_AC && !List.of(16, 24, 32, 64, 128).contains(bits)) {
            throw new InvalidInputException("method '" + spec + "': eqinfo-ac window bits must be 16, 24, 32, 64 or 128, got " + bits);
        }
        try {
            return new Method(kind, bits, vocab);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("method '" + spec + "': " + e.getMessage());
        }
    }

    /** Whether M1 runs for this method (its FLOPs count at inference): AC and EqualInfoAC. */
    public boolean usesM1() {
        return kind == Kind.AC || kind == Kind.EQINFO_AC;
    }

    /** Whether building the dataset needs M1 at all (StaticAC does not: it uses a unigram model). */
    public boolean needsM1ForData() {
        return usesM1();
    }

    /** A file-name-safe identifier, e.g. {@code eqinfo-ac-b16-v65536}. */
    public String id() {
        return switch (kind) {
            case BYTES -> "bytes";
            case SPM -> "spm-v" + vocab;
            case EQINFO_AC -> "eqinfo-ac-b" + bits + "-v" + vocab;
            default -> kind.cli + "-v" + vocab;
        };
    }

    /** The paper's name, e.g. {@code EqualInfoAC[b=16, v=65k]}. */
    public String paperName() {
        String v = vocab == 65536 ? "65k" : Integer.toString(vocab);
        return switch (kind) {
            case BYTES, SPM -> kind.paper;
            case EQINFO_AC -> kind.paper + "[b=" + bits + ", v=" + v + "]";
            default -> kind.paper + "[v=" + v + "]";
        };
    }

    /** Bits carried by one token: log2 of the vocabulary (the uniform model's bits/token). */
    public double bitsPerToken() {
        return Math.log(vocab) / Math.log(2);
    }

    @Override
    public String toString() {
        return id();
    }
}
