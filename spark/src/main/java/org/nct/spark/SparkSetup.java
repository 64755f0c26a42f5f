package org.nct.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Spark configuration for nct jobs: the master, and local-mode defaults that need no network set-up. */
public final class SparkSetup {
    private SparkSetup() { }

    /**
     * The configuration of a job: {@code master} if given, else the one spark-submit set, else
     * {@code local[*]}. Local masters get no web UI and bind to the loopback interface.
     */
    public static SparkConf conf(String master) {
        SparkConf c = new SparkConf().setAppName("nct tokenize");
        if (master != null) c.setMaster(master);
        else if (!c.contains("spark.master")) c.setMaster("local[*]");
        if (c.get("spark.master").startsWith("local")) {
            c.setIfMissing("spark.ui.enabled", "false");
            c.setIfMissing("spark.driver.host", "localhost");
            c.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        return c;
    }

    public static JavaSparkContext start(SparkConf c) {
        return new JavaSparkContext(c);
    }
}
