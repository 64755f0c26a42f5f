package org.nct.experiment;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.nct.coding.IntegerCdf;
import org.nct.coding.StaticUnigramModel;
import org.nct.coding.StreamDecoder;
import org.nct.coding.StreamEncoder;
import org.nct.tokenize.SentencePieceModel;
import org.nct.tokenize.SentencePieceTokenizer;
import org.nct.tokenize.TokenPacking;
import org.nct.tokenize.Tokenizer;
import org.nct.tokenize.UnigramTrainer;

/**
 * How the experiment turns one example's bytes into M2 tokens and back, for every method: the
 * tokenizers of {@code org.nct.tokenize} (bytes, gzip, spm) and the coders of {@code org.nct.coding}
 * (StaticAC with the unigram byte model; AC and EqualInfoAC with M1, batched over examples).
 */
interface Encodings {

    /** A method's encoder: examples in, tokens out; and the decoder for the round-trip check. */
    interface Encoding {
        String name();

        /** The tokens of every example ({@code progress} gets bytes done). */
        int[][] encodeAll(List<byte[]> examples, LongConsumer progress);

        /** The bytes of one example from its tokens and its byte count. */
        byte[] decode(int[] tokens, int bytes);
    }

    /** A tokenizer of {@code org.nct.tokenize}, one example at a time. */
    static Encoding of(Tokenizer tok) {
        return new Encoding() {
            public String name() {
                return tok.name();
            }

            public int[][] encodeAll(List<byte[]> examples, LongConsumer progress) {
                int[][] out = new int[examples.size()][];
                for (int i = 0; i < out.length; i++) {
                    out[i] = tok.encode(examples.get(i));
                    progress.accept(examples.get(i).length);
                }
                return out;
            }

            public byte[] decode(int[] tokens, int bytes) {
                return tok.decode(tokens);
            }
        };
    }

    /** The lines SentencePiece trains on: the text's lines, long ones cut at a space before 4,000 bytes. */
    static List<byte[]> sentences(byte[] text) {
        List<byte[]> out = new ArrayList<>();
        String s = new String(text, StandardCharsets.UTF_8);
        for (String line : s.split("\n")) {
            while (line.getBytes(StandardCharsets.UTF_8).length > 4000) {
                int cut = line.lastIndexOf(' ', Math.min(line.length() - 1, 3000));
                if (cut <= 0) cut = Math.min(line.length(), 1000);
                out.add(line.substring(0, cut).getBytes(StandardCharsets.UTF_8));
                line = line.substring(cut);
            }
            if (!line.isEmpty()) out.add(line.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Trains nct's Unigram-LM (SentencePiece) tokenizer on the training text. */
    static SentencePieceTokenizer trainSpm(byte[] trainText, int vocab) {
        SentencePieceModel model = new UnigramTrainer().vocabSize(vocab).train(sentences(trainText));
        return new SentencePieceTokenizer(model);
    }

    /** StaticAC: the stream coder with one byte distribution counted on the training text. */
    static Encoding staticAc(byte[] trainText, int tokenBits) {
        StaticUnigramModel model = StaticUnigramModel.train(trainText, IntegerCdf.DEFAULT_PRECISION);
        return new Encoding() {
            public String name() {
                return "static-ac[v=" + (1 << tokenBits) + "]";
            }

            public int[][] encodeAll(List<byte[]> examples, LongConsumer progress) {
                int[][] out = new int[examples.size()][];
                for (int i = 0; i < out.length; i++) {
                    byte[] code = StreamEncoder.encode(examples.get(i), model);
                    out[i] = TokenPacking.pack(code, code.length, tokenBits);
                    progress.accept(examples.get(i).length);
                }
                return out;
            }

            public byte[] decode(int[] tokens, int bytes) {
                byte[] code = TokenPacking.unpack(tokens, tokens.length, tokenBits);
                return StreamDecoder.decode(code, 0, code.length, bytes, model);
            }
        };
    }
}
