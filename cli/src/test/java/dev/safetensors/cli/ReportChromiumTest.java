package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.safetensors.DType;
import dev.safetensors.internal.json.JsonReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report as a browser shows it: headless Chromium opens the file, the test reads the rendered page through
 * the DOM (every chart drawn, bars sized by their values, the script ran, nothing requested but the page
 * itself, the tree expands) and takes a screenshot, kept as {@code cli/target/report-screenshot.png} (the one
 * in docs/ is a copy). Needs Chromium ({@link ExternalTool#chromium()}).
 */
class ReportChromiumTest {
    private static final int WIDTH = 1280;

    @TempDir
    Path dir;

    /** What the page says about itself once rendered, as one JSON string. */
    private static final String CHECKS = """
            JSON.stringify((() => {
              const size = e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; };
              const bars = root => [...root.querySelectorAll('rect.bar')].map(r =>
                  Object.assign({v: Number(r.dataset.value), d: r.dataset.dtype || null}, size(r)));
              return {
                ready: document.documentElement.dataset.ready || null,
                scripts: document.scripts.length,
                resources: performance.getEntriesByType('resource').length,
                dtypes: bars(document.querySelector('svg[data-chart=dtypes]')),
                layers: [...document.querySelectorAll('svg[data-chart=layers] g.column')].map(bars),
                histograms: [...document.querySelectorAll('.hist')].map(h => ({
                  name: h.querySelector('h3').textContent, bars: bars(h.querySelector('svg')),
                  svg: size(h.querySelector('svg'))})),
                tree: document.querySelectorAll('#structure li').length,
                rows: document.querySelectorAll('#stats-table tbody tr').length,
                page: document.documentElement.scrollHeight
              };
            })())""";

    @Test
    @SuppressWarnings("unchecked")
    void theChartsRenderAndThePageLoadsNothing() throws Exception {
        // In the build directory, by a relative path: the screenshot shows that path, not a random temp one.
        Path sample = Files.createDirectories(Path.of("target/report-sample"));
        SampleModel model = SampleModel.write(sample, 8);
        Path html = dir.resolve("report.html");
        Cli r = Cli.run("report", model.file.toString(), "-o", html.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();

        try (HeadlessChromium browser = HeadlessChromium.start(Files.createDirectories(dir.resolve("profile")))) {
            browser.open(html, WIDTH, 900);
            Map<String, Object> page = (Map<String, Object>) JsonReader.parse(
                    ((String) browser.evaluate(CHECKS)).getBytes(StandardCharsets.UTF_8), "page");
            assertThat(page.get("ready")).as("the report's script ran").isEqualTo("1");
            assertThat(page.get("scripts")).isEqualTo(1L);
            assertThat(page.get("resources")).as("nothing loaded besides the page").isEqualTo(0L);
            assertThat(browser.requestedUrls()).containsExactly(html.toUri().toString());

            // One bar per dtype, as long as its parameter count says: the longest is the largest.
            List<Map<String, Object>> dtypes = (List<Map<String, Object>>) page.get("dtypes");
            assertThat(dtypes).hasSize(model.params.size());
            double longest = dtypes.stream().mapToDouble(b -> number(b, "w")).max().orElseThrow();
            long largest = model.params.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            for (Map<String, Object> bar : dtypes) {
                long expected = model.params.get(DType.valueOf((String) bar.get("d")));
                assertThat(number(bar, "v")).isEqualTo(expected);
                assertThat(number(bar, "h")).isPositive();
                assertThat(number(bar, "w")).isCloseTo(Math.max(1.5, longest * expected / largest), within(0.6));
            }

            // Embeddings, eight layers, the final norm, the head; each column as tall as its parameters.
            List<List<Map<String, Object>>> layers = (List<List<Map<String, Object>>>) page.get("layers");
            assertThat(layers).hasSize(11);
            double[] heights = layers.stream().mapToDouble(c -> c.stream().mapToDouble(b -> number(b, "h")).sum()).toArray();
            double[] values = layers.stream().mapToDouble(c -> c.stream().mapToDouble(b -> number(b, "v")).sum()).toArray();
            double pxPerParam = heights[1] / values[1];
            for (int i = 0; i < heights.length; i++) {
                if (values[i] > values[1] / 100) {   // columns too short to measure keep a half-pixel minimum
                    assertThat(heights[i]).as("column " + i).isCloseTo(values[i] * pxPerParam, within(1.0));
                }
            }

            // 24 histograms of 64 bins; each counts every value of its tensor (all are finite).
            List<Map<String, Object>> histograms = (List<Map<String, Object>>) page.get("histograms");
            assertThat(histograms).hasSize(24);
            for (Map<String, Object> h : histograms) {
                List<Map<String, Object>> bins = (List<Map<String, Object>>) h.get("bars");
                assertThat(bins).hasSize(64);
                long total = bins.stream().mapToLong(b -> (long) number(b, "v")).sum();
                assertThat(total).as((String) h.get("name")).isEqualTo(model.elements.get((String) h.get("name")));
                assertThat(bins.stream().mapToDouble(b -> number(b, "h")).max().orElseThrow()).isGreaterThan(100);
                assertThat(number((Map<String, Object>) h.get("svg"), "w")).isPositive();
            }
            assertThat(page.get("rows")).isEqualTo((long) model.elements.size());

            // The tree: folded layers, closed below two levels; "Expand all" opens every level.
            assertThat(browser.evaluate("[...document.querySelectorAll('#structure details')].every(d => d.open)"))
                    .isEqualTo(false);
            assertThat(browser.evaluate("document.querySelector('[data-action=expand]').click();"
                    + "[...document.querySelectorAll('#structure details')].every(d => d.open)")).isEqualTo(true);
            assertThat(browser.evaluate("document.querySelector('#structure .repeat').textContent")).isEqualTo("\u00d78");
            // Sorting by parameters, largest first: the embeddings or the head.
            assertThat(browser.evaluate("const th = [...document.querySelectorAll('#stats-table th')][3];"
                    + "th.click(); th.click(); document.querySelector('#stats-table tbody tr td').textContent"))
                    .isIn("lm_head.weight", "model.embed_tokens.weight");
            assertThat(browser.evaluate("const f = document.getElementById('filter'); f.value = 'layers.3.mlp';"
                    + "f.dispatchEvent(new Event('input')); document.getElementById('shown').textContent"))
                    .isEqualTo("5 of " + model.elements.size());

            browser.evaluate("document.querySelector('[data-action=collapse]').click();"
                    + "document.querySelectorAll('#structure details').forEach((d, i) => d.open = i < 2); 0");
            byte[] png = browser.screenshot(WIDTH, 1700);
            HeadlessChromium.save(png, Path.of("target/report-screenshot.png"));
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(image.getWidth()).isEqualTo(WIDTH);
            assertThat(image.getHeight()).isEqualTo(1700);
            Set<Integer> colors = new HashSet<>();
            for (int y = 0; y < image.getHeight(); y += 7) {
                for (int x = 0; x < image.getWidth(); x += 7) {
                    colors.add(image.getRGB(x, y));
                }
            }
            assertThat(colors.size()).as("a rendered page, not a blank one").isGreaterThan(50);
        }
    }

    private static double number(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
