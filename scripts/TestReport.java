import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The summary ./run-tests prints after Maven: per module the tests run, failed and skipped and the time, each
 * failure with where its logs are, and the check that every test class in the sources ran (the second guard
 * beside surefire's include-everything pattern: a class no engine picked up fails the run here).
 *
 * <pre>java scripts/TestReport.java MODE BUILD_EXIT_CODE MAVEN_LOG CONSUMER_RESULT CONSUMER_LOG SECONDS</pre>
 *
 * MODE is {@code full}, {@code quick} (classes tagged {@code slow} are expected not to run) or {@code partial}
 * (Maven was given a selection, so the every-class check is skipped); CONSUMER_RESULT is {@code ok},
 * {@code failed} or {@code skipped}. Exits 1 when anything failed. Run from the repository root.
 */
public final class TestReport {
    static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    static final Pattern TEST_ANNOTATION = Pattern.compile(
            "(?m)^\\s*@(?:[\\w.]+\\.)?(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate|Property|Example|FuzzTest)\\b");
    static final Pattern PACKAGE = Pattern.compile("(?m)^package\\s+([\\w.]+)\\s*;");
    static final Pattern REACTOR_LINE = Pattern.compile(
            "^\\[INFO] (\\S+) \\.+ (SUCCESS|FAILURE|SKIPPED)(?: \\[ *([^\\]]+)])?");
    static final String SLOW_TAG = "@Tag(\"slow\")";

    record Failure(String module, String testClass, String test, String message, Path reports) {
    }

    /** The results of the report files in one folder (surefire-reports, or fuzz-reports/TARGET). */
    static final class Row {
        final String label;
        int tests, failed, skipped;
        double seconds;
        final Map<String, Integer> testsPerClass = new LinkedHashMap<>();

        Row(String label) {
            this.label = label;
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int buildExit = Integer.parseInt(args[1]);
        Path mavenLog = Path.of(args[2]);
        String consumer = args[3];
        Path consumerLog = Path.of(args[4]);
        long elapsed = Long.parseLong(args[5]);

        List<String> modules = modules();
        Map<String, String> moduleTimes = reactorTimes(mavenLog);
        List<Row> rows = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        Map<String, Row> mainRows = new LinkedHashMap<>();
        for (String module : modules) {
            Row main = read(module, module, Path.of(module, "target", "surefire-reports"), failures);
            mainRows.put(module, main);
            rows.add(main);
            Path fuzz = Path.of(module, "target", "fuzz-reports");
            if (Files.isDirectory(fuzz)) {
                Row fuzzRow = new Row(module + " fuzzing");
                try (Stream<Path> dirs = Files.list(fuzz)) {
                    for (Path dir : dirs.sorted().toList()) {
                        add(fuzzRow, read(fuzzRow.label, module, dir, failures));
                    }
                }
                rows.add(fuzzRow);
            }
        }

        System.out.println();
        System.out.printf("%-16s %7s %7s %8s %12s %12s%n", "", "tests", "failed", "skipped", "tests' time", "module time");
        for (Row r : rows) {
            String moduleTime = mainRows.containsKey(r.label) ? moduleTimes.getOrDefault(r.label, "") : "";
            if (r.testsPerClass.isEmpty()) {
                String why = mainRows.containsKey(r.label) && !hasTestSources(r.label) ? "no tests" : "did not run";
                System.out.printf("%-16s %7s %7s %8s %12s %12s%n", r.label, "-", "", "", why, moduleTime);
            } else {
                System.out.printf("%-16s %7d %7d %8d %12s %12s%n", r.label, r.tests, r.failed, r.skipped,
                        duration(r.seconds), moduleTime);
            }
        }
        if (consumer.equals("ok")) {
            System.out.printf("%-16s %s%n", "consumer", "OK on the class path and the module path; the core jar exports no internals");
        } else if (consumer.equals("failed")) {
            System.out.printf("%-16s %s%n", "consumer", "FAILED (" + consumerLog + "):");
            List<String> lines = Files.exists(consumerLog) ? Files.readAllLines(consumerLog) : List.of();
            lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> System.out.println("    " + l));
        }

        for (Failure f : failures) {
            System.out.println();
            System.out.println("FAILED " + f.testClass() + "." + f.test() + " (" + f.module() + ")");
            f.message().lines().limit(6).forEach(line -> System.out.println("    " + line));
            System.out.println("    stack trace: " + f.reports().resolve(f.testClass() + ".txt"));
            Path output = f.reports().resolve(f.testClass() + "-output.txt");
            if (Files.exists(output)) {
                System.out.println("    its output:  " + output);
            }
        }
        if (buildExit != 0 && failures.isEmpty()) {
            System.out.println();
            System.out.println("The build failed before its tests finished:");
            buildErrors(mavenLog).forEach(line -> System.out.println("    " + line));
        }

        boolean everyClassRan = true;
        System.out.println();
        if (mode.equals("partial")) {
            System.out.println("Every-class check skipped: Maven was given a selection of modules or tests.");
        } else if (buildExit != 0) {
            System.out.println("Every-class check skipped: the build stopped early.");
        } else {
            everyClassRan = checkEveryClassRan(modules, mainRows, mode.equals("quick"));
        }

        int tests = 0, failed = 0, skipped = 0;
        for (Row r : rows) {
            tests += r.tests;
            failed += r.failed;
            skipped += r.skipped;
        }
        System.out.println("Took " + duration(elapsed) + ". Maven's output: " + mavenLog
                + "; each test class's own: MODULE/target/surefire-reports/CLASS-output.txt");
        System.out.println("tests: " + (tests - failed - skipped) + " passed, " + failed + " failed, " + skipped + " skipped");
        boolean ok = buildExit == 0 && failed == 0 && everyClassRan && !consumer.equals("failed");
        System.exit(ok ? 0 : 1);
    }

    /** The modules of the root pom, in build order. */
    static List<String> modules() throws IOException {
        List<String> modules = new ArrayList<>();
        Matcher m = MODULE.matcher(Files.readString(Path.of("pom.xml")));
        while (m.find()) {
            modules.add(m.group(1).strip());
        }
        return modules;
    }

    /** Each module's wall time from Maven's reactor summary (absent when Maven built one module alone). */
    static Map<String, String> reactorTimes(Path log) throws IOException {
        Map<String, String> times = new LinkedHashMap<>();
        if (!Files.exists(log)) {
            return times;
        }
        for (String line : Files.readAllLines(log)) {
            Matcher m = REACTOR_LINE.matcher(line);
            if (m.find() && m.group(1).startsWith("safetensors-")) {
                String module = m.group(1).substring("safetensors-".length());
                times.put(module, m.group(2).equals("SUCCESS") ? duration(mavenSeconds(m.group(3)))
                        : m.group(2).toLowerCase(Locale.ROOT));
            }
        }
        return times;
    }

    static Row read(String label, String module, Path dir, List<Failure> failures) throws Exception {
        Row row = new Row(label);
        if (!Files.isDirectory(dir)) {
            return row;
        }
        List<Path> reports;
        try (Stream<Path> files = Files.list(dir)) {
            reports = files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
        }
        var builder = DocumentBuilderFactory.newInstance().newDocumentBuilder();
        for (Path report : reports) {
            Element suite = builder.parse(report.toFile()).getDocumentElement();
            String testClass = suite.getAttribute("name");
            NodeList cases = suite.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                row.tests++;
                Element problem = first(c, "failure");
                if (problem == null) {
                    problem = first(c, "error");
                }
                if (problem != null) {
                    row.failed++;
                    String message = problem.getAttribute("message");
                    if (message.isBlank()) {
                        message = problem.getAttribute("type") + "\n" + problem.getTextContent().strip();
                    }
                    failures.add(new Failure(module, testClass, c.getAttribute("name"), message, dir));
                } else if (first(c, "skipped") != null) {
                    row.skipped++;
                }
            }
            row.seconds += parseSeconds(suite.getAttribute("time"));
            row.testsPerClass.merge(testClass, cases.getLength(), Integer::sum);
        }
        return row;
    }

    static void add(Row into, Row from) {
        into.tests += from.tests;
        into.failed += from.failed;
        into.skipped += from.skipped;
        into.seconds += from.seconds;
        from.testsPerClass.forEach((k, v) -> into.testsPerClass.merge(k, v, Integer::sum));
    }

    static Element first(Element parent, String tag) {
        NodeList list = parent.getElementsByTagName(tag);
        return list.getLength() == 0 ? null : (Element) list.item(0);
    }

    static double parseSeconds(String text) {
        try {
            return Double.parseDouble(text.replace(",", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Maven's "9.287 s", "01:23 min" or "01:02 h". */
    static double mavenSeconds(String text) {
        String[] parts = text.strip().split("[ :]");
        return switch (parts[parts.length - 1]) {
            case "min" -> Integer.parseInt(parts[0]) * 60 + Integer.parseInt(parts[1]);
            case "h" -> Integer.parseInt(parts[0]) * 3600 + Integer.parseInt(parts[1]) * 60;
            default -> parseSeconds(parts[0]);
        };
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + " s" : String.format("%d:%02d min", s / 60, s % 60);
    }

    static boolean hasTestSources(String module) {
        return Files.isDirectory(Path.of(module, "src", "test", "java"));
    }

    /** Maven's error lines, without its generic advice. */
    static List<String> buildErrors(Path log) throws IOException {
        if (!Files.exists(log)) {
            return List.of("(no Maven log at " + log + ")");
        }
        List<String> errors = Files.readAllLines(log).stream()
                .filter(l -> l.startsWith("[ERROR]"))
                .map(l -> l.substring("[ERROR]".length()).strip())
                .filter(l -> !l.isEmpty() && !l.startsWith("-> [Help") && !l.startsWith("To see the full stack")
                        && !l.startsWith("Re-run Maven") && !l.startsWith("For more information")
                        && !l.startsWith("[Help ") && !l.startsWith("After correcting"))
                .toList();
        return errors.size() > 25 ? errors.subList(0, 25) : errors;
    }

    /**
     * Every class under MODULE/src/test/java with a test annotation must have a surefire report with at least
     * one test, except, in quick mode, the classes tagged slow. Abstract classes and interfaces run through
     * their subclasses.
     */
    static boolean checkEveryClassRan(List<String> modules, Map<String, Row> ran, boolean quick) throws IOException {
        executions.clear();
        List<String> missing = new ArrayList<>();
        Set<String> notRecognised = new TreeSet<>();
        List<String> counts = new ArrayList<>();
        List<String> slow = new ArrayList<>();
        for (String module : modules) {
            Path sources = Path.of(module, "src", "test", "java");
            if (!Files.isDirectory(sources)) {
                continue;
            }
            Set<String> expected = new TreeSet<>();
            Set<String> recognised = new TreeSet<>();
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    String text = Files.readString(file);
                    String simpleName = file.getFileName().toString().replaceFirst("\\.java$", "");
                    Matcher declaration = Pattern.compile("\\b(abstract\\s+class|interface|class|record|enum)\\s+"
                            + Pattern.quote(simpleName) + "\\b").matcher(text);
                    if (!TEST_ANNOTATION.matcher(text).find() || !declaration.find()
                            || declaration.group(1).startsWith("abstract") || declaration.group(1).equals("interface")) {
                        continue;
                    }
                    Matcher pkg = PACKAGE.matcher(text);
                    String name = (pkg.find() ? pkg.group(1) + "." : "") + simpleName;
                    recognised.add(name);
                    if (text.substring(0, declaration.start()).contains(SLOW_TAG)) {
                        slow.add(simpleName);
                        if (quick) {
                            continue;
                        }
                    }
                    expected.add(name);
                }
            }
            Map<String, Integer> reports = ran.get(module).testsPerClass;
            if (!quick) {
                missing.addAll(suffixedExecutionsMissing(module, reports, recognised));
            }
            for (String name : expected) {
                boolean didRun = reports.entrySet().stream().anyMatch(e -> e.getValue() > 0
                        && (e.getKey().equals(name) || e.getKey().startsWith(name + "$")));
                if (!didRun) {
                    missing.add(name + " (" + module + "/src/test/java)");
                }
            }
            for (String reported : reports.keySet()) {
                String outer = reported.replaceFirst("\\(.*\\)$", "");   // "Class(suffix)": a second execution's
                outer = outer.contains("$") ? outer.substring(0, outer.indexOf('$')) : outer;
                if (!recognised.contains(outer)) {
                    notRecognised.add(reported);
                }
            }
            counts.add(module + " " + expected.size());
        }
        if (quick && !slow.isEmpty()) {
            System.out.println("Quick mode left out the classes tagged slow: " + String.join(", ", slow) + ".");
        }
        if (!notRecognised.isEmpty()) {
            System.out.println("Ran, but not recognised as test classes by this check (teach it their annotation): "
                    + String.join(", ", notRecognised));
        }
        if (!executions.isEmpty()) {
            System.out.println("Second executions: " + String.join(", ", executions) + ".");
        }
        if (missing.isEmpty()) {
            System.out.println("Every test class ran (" + String.join(", ", counts) + ").");
            return true;
        }
        System.out.println("These test classes did NOT run (no surefire report with a test in it):");
        missing.forEach(m -> System.out.println("    " + m));
        return false;
    }

    static final Pattern SUFFIXED_EXECUTION = Pattern.compile(
            "(?s)<execution>\\s*<id>([^<]+)</id>(?:(?!</execution>).)*?<test>([^<]+)</test>(?:(?!</execution>).)*?"
                    + "<reportNameSuffix>([^<]+)</reportNameSuffix>");
    static final List<String> executions = new ArrayList<>();

    /**
     * A surefire execution of the module's pom that runs a list of classes again under a report-name suffix
     * (quant's scalar-loops: the schemes without the vector loops) must have a report for each of them; its
     * reports are named {@code Class(suffix)}. Only in full mode: quick mode skips these executions.
     */
    static List<String> suffixedExecutionsMissing(String module, Map<String, Integer> reports, Set<String> recognised)
            throws IOException {
        Path pom = Path.of(module, "pom.xml");
        List<String> missing = new ArrayList<>();
        if (!Files.exists(pom)) {
            return missing;
        }
        Matcher m = SUFFIXED_EXECUTION.matcher(Files.readString(pom));
        while (m.find()) {
            String id = m.group(1).strip();
            String suffix = m.group(3).strip();
            int tests = 0;
            for (String listed : m.group(2).split(",")) {
                String simple = listed.strip();
                String name = recognised.stream().filter(r -> r.endsWith("." + simple) || r.equals(simple)).findFirst()
                        .orElse(simple);
                int n = reports.getOrDefault(name + "(" + suffix + ")", 0);
                if (n == 0) {
                    missing.add(name + " in execution " + id + " (" + module + "/pom.xml)");
                }
                tests += n;
            }
            executions.add(module + " " + id + " " + tests + " tests");
        }
        return missing;
    }
}
