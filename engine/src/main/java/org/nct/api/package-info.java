/**
 * nct as a library: {@link org.nct.api.NctCompressor}, neural compression with an M1 checkpoint to
 * and from the {@code .nct} format, over byte arrays, {@link java.nio.ByteBuffer}s, channels and
 * streams.
 *
 * <p>What it exposes from the rest of the engine: {@link org.nct.container.NctCodec.Settings} (window,
 * rule, block size, streams), {@link org.nct.coding.WindowRule}, {@link org.nct.container.NctFormatException}
 * (every decoding error), and, for callers that manage M1 themselves, {@link org.nct.model.Weights}
 * ({@link org.nct.model.Checkpoint#loadWeights}) and {@link org.nct.kernels.Kernels}
 * ({@link org.nct.kernels.Backends#create()}).
 *
 * <p>The JVM options an embedding application needs ({@code --add-modules jdk.incubator.vector} on
 * the class path; {@code --enable-native-access} for the CUDA backend only) and its memory use are
 * listed in one place: README.md, section "Using nct as a library".
 */
package org.nct.api;
