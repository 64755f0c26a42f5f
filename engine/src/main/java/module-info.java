/**
 * nct's engine, a library: model, training, inference, coders, the {@code .nct} container,
 * tokenizers, datasets, evaluation and the experiment driver. Refused input is an
 * {@link org.nct.InvalidInputException}. The command line lives in the app module
 * ({@code org.nct.cli}). The CUDA backend ({@code org.nct.cuda}) is found at run time by name and
 * is not read at compile time.
 */
module org.nct.engine {
    requires transitive org.nct.kernels;
    requires transitive com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.core;
    requires org.agrona;
    requires java.desktop;
    requires java.logging;
    requires java.management;
    requires jdk.management;

    exports org.nct;
    exports org.nct.api;
    exports org.nct.coding;
    exports org.nct.container;
    exports org.nct.data;
    exports org.nct.experiment;
    exports org.nct.inference;
    exports org.nct.model;
    exports org.nct.report;
    exports org.nct.tokenize;
    exports org.nct.train;
    exports org.nct.util;
}
