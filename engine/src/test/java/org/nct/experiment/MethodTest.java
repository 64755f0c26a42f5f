package org.nct.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nct.InvalidInputException;
import org.nct.paper.PaperNumbers;
import org.nct.tokenize.Method;

class MethodTest {

    @Test
    void parsesThePapersMethods() {
        assertEquals(new Method(Method.Kind.EQINFO_AC, 16, 65536), Method.parse("eqinfo-ac[b=16,v=65k]", 32000));
        assertEquals(new Method(Method.Kind.EQINFO_AC, 32, 256), Method.parse("eqinfo-ac[32, 256]", 32000));
        assertEquals(new Method(Method.Kind.AC, 0, 256), Method.parse("ac", 32000));
        assertEquals(new Method(Method.Kind.GZIP, 0, 65536), Method.parse("gzip[v=65536]", 32000));
        assertEquals(new Method(Method.Kind.SPM, 0, 32000), Method.parse("spm", 32000));
        assertEquals(new Method(Method.Kind.SPM, 0, 4096), Method.parse("spm[4096]", 32000));
        assertEquals("EqualInfoAC[b=16, v=65k]", Method.parse("eqinfo-ac[b=16,v=65k]", 1000).paperName());
        assertEquals("StaticAC[v=256]", Method.parse("static-ac", 1000).paperName());
        assertEquals("eqinfo-ac-b16-v65536", Method.parse("eqinfo-ac[16,65536]", 1000).id());
    }

    @Test
    void rejectsBadSpecsWithUserErrors() {
        assertThrows(InvalidInputException.class, () -> Method.parse("lzma", 1000));
        assertThrows(InvalidInputException.class, () -> Method.parse("ac[v=512]", 1000));
        assertThrows(InvalidInputException.class, () -> Method.parse("gzip[b=16,v=256]", 1000));
        assertThrows(InvalidInputException.class, () -> Method.parse("bytes[65536]", 1000));
    }

    @Test
    void commandLineFlagsFillABareNameAndMayNotContradictASpec() {
        assertEquals(new Method(Method.Kind.EQINFO_AC, 16, 65536), Method.of("eqinfo-ac", 65536, 16));
        assertEquals(Method.of("eqinfo-ac", 65536, 16), Method.of("eqinfo-ac[b=16,v=65k]", null, null));
        assertEquals(new Method(Method.Kind.EQINFO_AC, 16, 256), Method.of("eqinfo-ac", null, null));
        assertEquals(new Method(Method.Kind.SPM, 0, 32000), Method.of("spm", null, null));
        assertEquals(new Method(Method.Kind.SPM, 0, 8000), Method.of("spm", 8000, null));
        assertEquals(new Method(Method.Kind.GZIP, 0, 65536), Method.of("gzip[v=65536]", 65536, null));
        assertThrows(InvalidInputException.class, () -> Method.of("gzip[v=256]", 65536, null));
        assertThrows(InvalidInputException.class, () -> Method.of("eqinfo-ac[b=16,v=256]", null, 32));
        assertThrows(InvalidInputException.class, () -> Method.of("ac", null, 16));
        assertThrows(InvalidInputException.class, () -> Method.of("eqinfo-ac", null, 20));
        assertThrows(InvalidInputException.class, () -> Method.of("bytes", 65536, null));
        InvalidInputException old = assertThrows(InvalidInputException.class, () -> Method.parse("eqinfo-ac:65536:16", 32000));
        assertTrue(old.getMessage().contains("NAME[b=B,v=V]"), old.getMessage());
    }

    @Test
    void m1RunsOnlyForAcAndEqualInfo() {
        assertTrue(Method.parse("ac", 1000).usesM1());
        assertTrue(Method.parse("eqinfo-ac", 1000).usesM1());
        assertFalse(Method.parse("static-ac", 1000).usesM1());
        assertFalse(Method.parse("gzip", 1000).usesM1());
        assertFalse(Method.parse("bytes", 1000).usesM1());
    }

    @Test
    void presetsHaveDistinctMethodIdsAndPaperRows() {
        for (String name : Preset.NAMES) {
            Preset p = Preset.named(name);
            Set<String> ids = new HashSet<>();
            for (Method m : p.methods()) {
                assertTrue(ids.add(m.id()), name + ": duplicate " + m.id());
                if (m.kind() != Method.Kind.SPM) assertTrue(PaperNumbers.TABLE12_RATIO.containsKey(m.paperName()), m.paperName());
            }
            for (String needed : List.of("bytes", "ac[256]", "static-ac[256]", "gzip[256]", "eqinfo-ac[16,256]", "eqinfo-ac[16,65536]")) {
                assertTrue(p.methods().contains(Method.parse(needed, p.spmVocab())), name + " lacks " + needed);
            }
            assertTrue(p.methods().stream().anyMatch(m -> m.kind() == Method.Kind.SPM), name + " lacks spm");
        }
        assertThrows(InvalidInputException.class, () -> Preset.named("huge"));
    }

    @Test
    void nearestPaperSize() {
        assertEquals("25m", PaperNumbers.SIZES.get(PaperNumbers.nearestSize(1_800_000)));
        assertEquals("113m", PaperNumbers.SIZES.get(PaperNumbers.nearestSize(100_000_000)));
        assertEquals("2b", PaperNumbers.SIZES.get(PaperNumbers.nearestSize(1_600_000_000)));
    }
}
