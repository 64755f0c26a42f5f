package org.nct.spark;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.nct.InvalidInputException;
import org.nct.data.Documents;

/** Files on any Hadoop file system ({@code file://}, {@code hdfs://}, {@code s3a://}), listed and opened like local data paths. */
final class HadoopFiles {
    private HadoopFiles() { }

    /** A Hadoop configuration in a form that task closures can carry (Configuration is not Serializable). */
    record Conf(Map<String, String> entries) implements Serializable {
        static Conf of(Configuration c) {
            Map<String, String> m = new HashMap<>();
            for (Map.Entry<String, String> e : c) m.put(e.getKey(), e.getValue());
            return new Conf(m);
        }

        Configuration get() {
            Configuration c = new Configuration(false);
            entries.forEach(c::set);
            return c;
        }
    }

    /**
     * The file system of {@code p}. The local file system writes no {@code .crc} side files, so a
     * shard directory holds exactly the shard's files.
     */
    static FileSystem fs(Path p, Configuration c) throws IOException {
        FileSystem fs = p.getFileSystem(c);
        if (fs instanceof ChecksumFileSystem cfs) cfs.setWriteChecksum(false);
        return fs;
    }

    /**
     * The data files named by {@code inputs}, as {@link Documents#files} lists local paths:
     * directories expanded recursively to their {@code .json/.jsonl/.txt} files (optionally
     * {@code .gz}) in sorted path order, plain files kept, inputs in the order given.
     */
    static List<String> list(List<String> inputs, Configuration c) throws IOException {
        if (inputs.isEmpty()) throw new InvalidInputException("no data paths given");
        List<String> out = new ArrayList<>();
        for (String in : inputs) {
            Path p = new Path(in);
            FileSystem fs = fs(p, c);
            FileStatus st;
            try {
                st = fs.getFileStatus(p);
            } catch (java.io.FileNotFoundException e) {
                throw new InvalidInputException("data path not found: " + in);
            }
            if (st.isDirectory()) {
                List<String> found = new ArrayList<>();
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
                while (it.hasNext()) {
                    LocatedFileStatus f = it.next();
                    if (f.isFile() && Documents.isDataFileName(f.getPath().getName())) found.add(f.getPath().toString());
                }
                if (found.isEmpty()) throw new InvalidInputException("no .json, .json.gz, .jsonl or .txt files in directory " + in);
                found.sort(null);
                out.addAll(found);
            } else {
                out.add(st.getPath().toString());
            }
        }
        return out;
    }
}
