package org.nct.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VersionTest {

    @Test
    void theVersionComesFromTheBuildNotFromASourceLiteral() {
        // tests run from target/classes: the filtered properties file gives the POM's version
        String v = Version.get();
        assertTrue(v.matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), v);
    }

    @Test
    void anUnfilteredOrEmptyPropertiesFileIsNoVersion() {
        assertNull(Version.fromProperties(null));
        assertNull(Version.fromProperties(new ByteArrayInputStream("version=${project.version}".getBytes(StandardCharsets.UTF_8))));
        assertNull(Version.fromProperties(new ByteArrayInputStream("other=1".getBytes(StandardCharsets.UTF_8))));
        assertEquals("1.2.3", Version.fromProperties(new ByteArrayInputStream("version=1.2.3\n".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void dashDashVersionPrintsIt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        assertEquals(0, cl.execute("--version"));
        assertEquals("nct " + Version.get(), out.toString(StandardCharsets.UTF_8).strip());
    }
}
