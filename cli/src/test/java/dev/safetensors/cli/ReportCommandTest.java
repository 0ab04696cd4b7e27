package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code report}: one HTML file with everything inline, names escaped, written atomically; its exit statuses. */
class ReportCommandTest {
    @TempDir
    Path dir;

    private static int count(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void oneSelfContainedPage() throws Exception {
        SampleModel model = SampleModel.write(dir, 4);
        Path out = dir.resolve("report.html");
        Cli r = Cli.run("report", model.file.toString(), "-o", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEqualTo(String.format("%s: wrote the report of %,d tensors, %,d bytes%n", out,
                model.elements.size(), Files.size(out)));
        String html = Files.readString(out);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n")
                .contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';");
        // Nothing that would load from elsewhere: no links, no sources, no URLs, no imports.
        assertThat(html).doesNotContain("http://").doesNotContain("https://").doesNotContain(" src=")
                .doesNotContain("<link").doesNotContain("@import").doesNotContain("url(");
        for (String section : new String[] {"overview", "dtypes", "layers", "structure", "histograms", "statistics",
                "quantization", "metadata"}) {
            assertThat(html).contains("<section id=\"" + section + "\">");
        }
        assertThat(count(html, "<svg class=\"chart\" data-chart=\"dtypes\" data-bars=\"3\"")).isEqualTo(1);
        // 24 histograms by default, of the largest tensors; every tensor in the table.
        assertThat(count(html, "data-chart=\"histogram\"")).isEqualTo(24);
        for (String name : model.elements.keySet()) {
            assertThat(html).contains("<tr><td class=\"name\">" + name + "</td>");
        }
        assertThat(html).contains("layers.{0..3}").contains("<span class=\"repeat\">\u00d74</span>")
                .contains("Declared in config.json (quantization_config)").contains("quant_method")
                .contains("compressed-tensors").contains("<td class=\"name\">tensors of dtype F8_E4M3</td><td class=\"name\">8</td>")
                .contains("<td class=\"name\">format</td><td class=\"name\">pt</td>");
    }

    @Test
    void hostileNamesAreText() throws Exception {
        Path f = dir.resolve("hostile.safetensors");
        SafeTensorsWriter.create()
                .putMetadata("<b>key</b>", "\"><script>alert(2)</script>")
                .add("<script>window.__pwned = 1</script>", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2}))
                .add("a\"onmouseover=\"x.\u0001.0", DType.F32, Shape.of(1), TensorData.of(new float[] {3}))
                .add("a\"onmouseover=\"x.\u0001.1", DType.F32, Shape.of(1), TensorData.of(new float[] {3}))
                .write(f);
        Cli r = Cli.run("report", f.toString(), "-o", "-");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String html = r.out();
        assertThat(count(html, "<script")).isEqualTo(1);   // only the report's own
        assertThat(html).doesNotContain("<script>window").doesNotContain("<b>key")
                .contains("&lt;script&gt;window.__pwned = 1&lt;/script&gt;")
                .contains("a&quot;onmouseover=&quot;x.\\u0001.0")
                .contains("&lt;b&gt;key&lt;/b&gt;");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void headersOnlyAndHistogramCounts() throws Exception {
        SampleModel model = SampleModel.write(dir, 2);
        Cli none = Cli.run("report", "--no-values", model.file.toString(), "-o", "-");
        assertThat(none.exitCode()).isZero();
        assertThat(none.out()).contains("Tensor values were not read.").doesNotContain("data-chart=\"histogram\"")
                .doesNotContain("<th class=\"n\">mean</th>");
        Cli all = Cli.run("report", "--histograms", "-1", "--bins", "8", model.file.toString(), "-o", "-");
        assertThat(count(all.out(), "data-chart=\"histogram\" data-bars=\"8\"")).isEqualTo(model.elements.size());
        Cli zero = Cli.run("report", "--histograms", "0", model.file.toString(), "-o", "-");
        assertThat(count(zero.out(), "data-chart=\"histogram\"")).isZero();
        assertThat(zero.out()).contains("<th class=\"n\">mean</th>");
    }

    @Test
    void failuresAndTheirExitStatuses() throws Exception {
        SampleModel model = SampleModel.write(dir, 1);
        Path out = Files.writeString(dir.resolve("old.html"), "old");
        assertThat(Cli.run("report", model.file.toString(), "-o", out.toString()).exitCode()).isZero();
        assertThat(Files.readString(out)).startsWith("<!DOCTYPE html>");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith("-tmp"));

        Path bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        Cli invalid = Cli.run("report", bad.toString(), "-o", dir.resolve("x.html").toString());
        assertThat(invalid.exitCode()).isEqualTo(1);
        assertThat(invalid.err()).startsWith("safetensors: HeaderTooSmall: " + bad).hasLineCount(1);
        assertThat(dir.resolve("x.html")).doesNotExist();

        Path underAFile = model.file.resolve("report.html");   // its parent is a file, not a directory
        Cli io = Cli.run("report", model.file.toString(), "-o", underAFile.toString());
        assertThat(io.exitCode()).isEqualTo(3);
        assertThat(io.err()).startsWith("safetensors: IoError: ").hasLineCount(1);

        assertThat(Cli.run("report", model.file.toString()).exitCode()).as("-o is required").isEqualTo(2);
        assertThat(Cli.run("report", "--bins", "0", model.file.toString(), "-o", "-").exitCode()).isEqualTo(2);
    }
}
