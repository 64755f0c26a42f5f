package org.nct.tokenize;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Who builds a shard from examples: this process ({@link #LOCAL}, {@link Shard#build}) or a
 * cluster (the {@code spark} module's {@code SparkShardBuilder}). Every builder writes the same
 * bytes as {@link Shard#build} for the same arguments.
 */
@FunctionalInterface
public interface ShardBuilder {

    /** Same contract as {@link Shard#build}. */
    Shard.Totals build(List<byte[]> examples, Shard.Spec spec, Path dir, boolean replace, Map<String, byte[]> extraFiles) throws IOException;

    /** {@link Shard#build} in this process. */
    ShardBuilder LOCAL = Shard::build;
}
