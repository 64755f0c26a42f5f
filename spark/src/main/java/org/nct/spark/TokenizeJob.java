package org.nct.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What one Spark tokenize run builds: the method (as {@code nct tokenize} takes it), the
 * documents, how examples are cut and fitted, and how the output is laid out. Serializable: task
 * closures carry it to the executors.
 *
 * @param method           bytes, spm, gzip, static-ac, ac or eqinfo-ac
 * @param vocab            vocabulary (null: the method's default)
 * @param bits             Equal-Info window bits (eqinfo-ac)
 * @param rule             Equal-Info window rule (null: G)
 * @param m1               M1 checkpoint, any Hadoop path (ac, eqinfo-ac)
 * @param spmModel         a SentencePiece .model to apply instead of training one (spm), any Hadoop path
 * @param precision        CDF precision bits of the AC methods (null: 16)
 * @param data             C4 .json/.json.gz files, text files or directories, as Hadoop paths
 * @param split            train, validation or all
 * @param validationFraction share of documents in validation
 * @param separator        bytes appended to every document
 * @param exampleBytes     bytes per example
 * @param seq              M2 sequence length (0: whole examples)
 * @param examplesPerPart  examples per part (one Spark task and one part shard each); fixes the
 *                         parts layout, never the tokens
 * @param out              output directory, a Hadoop path
 * @param merge            true: one shard identical to {@code nct tokenize}'s; false: part shards and a manifest
 * @param force            replace an existing output
 * @param threads          M1 kernel threads per executor (null: the executor's cores)
 * @param failPartOnce     test hook: the first attempt of this part fails after writing its
 *                         temporary files (-1: never)
 */
public record TokenizeJob(String method, Integer vocab, Integer bits, String rule, String m1, String spmModel, Integer precision,
                          List<String> data, String split, double validationFraction, byte[] separator,
                          int exampleBytes, int seq, int examplesPerPart, String out, boolean merge, boolean force,
                          Integer threads, int failPartOnce) implements Serializable { }
