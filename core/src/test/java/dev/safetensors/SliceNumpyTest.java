package dev.safetensors;

import dev.safetensors.testing.NumpyPython;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random shapes, dtypes and index expressions, sliced by this library and by NumPy itself on the same bytes:
 * the shapes and bytes must agree, and where NumPy raises, we must raise a slicing error. Needs a python3
 * with NumPy ({@link NumpyPython}).
 */
class SliceNumpyTest {
    private static final DType[] DTYPES = {DType.F32, DType.F64, DType.F16, DType.I8, DType.U8, DType.I16, DType.U16,
            DType.I32, DType.U32, DType.I64, DType.U64, DType.BOOL, DType.C64, DType.BF16};

    @TempDir
    Path dir;

    record Case(String name, DType dtype, long[] shape, byte[] data, List<Index> index, String spec) {
    }

    @Test
    void slicesAgreeWithNumpy() throws Exception {
        String python = NumpyPython.find();
        Random rnd = new Random(20261126);
        List<Case> cases = new ArrayList<>();
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (int c = 0; c < 600; c++) {
            DType t = DTYPES[rnd.nextInt(DTYPES.length)];
            long[] shape = new long[rnd.nextInt(5)];
            long n = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = rnd.nextInt(6);
                n *= shape[d];
            }
            byte[] data = new byte[(int) (n * t.bits() / 8)];
            rnd.nextBytes(data);
            if (t == DType.BOOL) {
                for (int i = 0; i < data.length; i++) {
                    data[i] &= 1;
                }
            }
            List<Index> index = new ArrayList<>();
            StringJoiner spec = new StringJoiner(";");
            int entries = rnd.nextInt(shape.length + 2);
            boolean ellipsis = false;
            for (int e = 0; e < entries; e++) {
                int kind = rnd.nextInt(10);
                if (kind == 0 && !ellipsis) {
                    ellipsis = true;
                    index.add(Index.ellipsis());
                    spec.add("e");
                } else if (kind < 4) {
                    long i = rnd.nextInt(13) - 6;
                    index.add(Index.at(i));
                    spec.add("i:" + i);
                } else {
                    Long a = rnd.nextInt(3) == 0 ? null : (long) (rnd.nextInt(15) - 7);
                    Long b = rnd.nextInt(3) == 0 ? null : (long) (rnd.nextInt(15) - 7);
                    Long s = rnd.nextInt(3) == 0 ? null : (long) (rnd.nextBoolean() ? 1 + rnd.nextInt(3) : -1 - rnd.nextInt(3));
                    index.add(Index.range(a, b, s));
                    spec.add("s:" + str(a) + ":" + str(b) + ":" + str(s));
                }
            }
            String name = "t" + c;
            w.add(name, t, Shape.of(shape), TensorData.of(data));
            cases.add(new Case(name, t, shape, data, index, spec.toString()));
        }
        Path file = dir.resolve("cases.safetensors");
        w.write(file);
        List<String> expected = runOracle(python, cases);

        int agreedErrors = 0;
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                String[] e = expected.get(i).split("\\|", -1);
                String label = c.name() + " " + c.dtype() + Shape.of(c.shape()) + "[" + c.index() + "]";
                try {
                    TensorSlice s = f.tensor(c.name()).slice(c.index().toArray(Index[]::new));
                    if (e[0].equals("ERR")) {
                        fail(label + ": NumPy raised " + e[1] + " but we gave " + s);
                    }
                    assertThat(csv(s.shape())).as(label).isEqualTo(e[1]);
                    assertThat(HexFormat.of().formatHex(s.toByteArray())).as(label).isEqualTo(e[2]);
                } catch (SafeTensorsException ex) {
                    assertThat(e[0]).as(label + ": we raised " + ex.getMessage()).isEqualTo("ERR");
                    assertThat(ex.kind()).isIn(SafeTensorsException.Kind.SliceOutOfRange,
                            SafeTensorsException.Kind.TooManySlices, SafeTensorsException.Kind.InvalidTensorView);
                    agreedErrors++;
                }
            }
        }
        assertThat(agreedErrors).as("some cases should exercise errors").isPositive().isLessThan(cases.size() / 2);
    }

    private static String str(Long v) {
        return v == null ? "N" : v.toString();
    }

    private static String csv(Shape s) {
        StringJoiner j = new StringJoiner(",");
        for (int d = 0; d < s.rank(); d++) {
            j.add(Long.toString(s.dim(d)));
        }
        return j.toString();
    }

    private static String numpyType(DType t) {
        return switch (t) {
            case F32 -> "<f4";
            case F64 -> "<f8";
            case F16 -> "<f2";
            case I8 -> "i1";
            case U8 -> "u1";
            case I16 -> "<i2";
            case U16, BF16 -> "<u2";   // NumPy has no bfloat16: its bytes are sliced as 16-bit words
            case I32 -> "<i4";
            case U32 -> "<u4";
            case I64 -> "<i8";
            case U64 -> "<u8";
            case BOOL -> "b1";
            case C64 -> "<c8";
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    private List<String> runOracle(String python, List<Case> cases) throws IOException, InterruptedException {
        Path script = dir.resolve("slice_oracle.py");
        try (var in = getClass().getResourceAsStream("/numpy/slice_oracle.py")) {
            Files.write(script, in.readAllBytes());
        }
        StringBuilder input = new StringBuilder();
        for (Case c : cases) {
            StringJoiner shape = new StringJoiner(",");
            for (long d : c.shape()) {
                shape.add(Long.toString(d));
            }
            input.append(numpyType(c.dtype())).append('|').append(shape).append('|')
                    .append(HexFormat.of().formatHex(c.data())).append('|').append(c.spec()).append('\n');
        }
        Path in = Files.writeString(dir.resolve("cases.txt"), input);
        Process p = new ProcessBuilder(python, script.toString()).redirectInput(in.toFile())
                .redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isZero();
        List<String> lines = new String(out, StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(cases.size());
        return lines;
    }
}
