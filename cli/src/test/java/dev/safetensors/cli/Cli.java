package dev.safetensors.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the CLI in-process and captures what it prints. */
record Cli(int exitCode, String out, String err) {

    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, out.toString(), err.toString());
    }

    static Path fixture(String name) {
        return repository("testdata/fixtures").resolve(name);
    }

    /** A test resource of the torch module: torch/src/test/resources/dev/safetensors/torch/NAME. */
    static Path torchFixture(String name) {
        return repository("torch/src/test/resources/dev/safetensors/torch").resolve(name);
    }

    /** A directory of the checkout, found from the working directory up. */
    private static Path repository(String dir) {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve(dir))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException(dir + " not found");
        }
        return p.resolve(dir);
    }
}
