/**
 * nct's engine: model, training, inference, coders, the {@code .nct} container, tokenizers,
 * datasets, evaluation and the experiment driver, with the command-line commands. The CUDA
 * backend ({@code org.nct.cuda}) is found at run time by name and is not read at compile time.
 * Command classes are open to picocli, which sets their option fields reflectively.
 */
module org.nct.engine {
    requires transitive org.nct.kernels;
    requires transitive info.picocli;
    requires transitive com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.core;
    requires org.agrona;
    requires java.desktop;
    requires java.logging;
    requires java.management;
    requires jdk.management;

    exports org.nct;
    exports org.nct.api;
    exports org.nct.cli;
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

    opens org.nct.cli to info.picocli;
    opens org.nct.container to info.picocli;
    opens org.nct.experiment to info.picocli;
    opens org.nct.tokenize to info.picocli;
    opens org.nct.train to info.picocli;
}
