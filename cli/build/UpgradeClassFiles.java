import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.constant.ClassDesc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites the class files in a jar that are older than Java 6 (major version 49 and below) as Java 8 class files
 * (version 52) with stack maps, the same code otherwise. Run by the build on the CLI's shaded jar:
 *
 * <pre>java cli/build/UpgradeClassFiles.java JAR</pre>
 *
 * Why: picocli ships Java 5 class files, and JDK 25's ahead-of-time cache never holds classes that old (they need
 * the old verifier at run time), so every small command loaded and verified about 180 of picocli's classes from
 * the jar: about half of its start-up (docs/benchmarks.md, "Start-up of a small command"). The JDK's ClassFile API
 * computes the stack maps; each rewritten class is then checked by the JDK's verifier. A class that cannot be
 * rewritten (a Java 1.4 {@code finally} compiled to {@code jsr}/{@code ret}, which version 51 and later forbid, a
 * super class missing from the jar, or one that would not verify) is kept as it was, with a warning: it ran before
 * and still runs, only outside the cache, so it must not stop the build. Other entries are copied byte for byte;
 * the jar is replaced atomically.
 */
public final class UpgradeClassFiles {
    private static final int OLDEST_ARCHIVABLE = 50;
    private static final int TARGET = 52;

    /** One entry of the jar: its bytes and its time (kept, so that the same input gives the same jar). */
    private record Entry(byte[] bytes, long time) {
    }

    private UpgradeClassFiles() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java UpgradeClassFiles.java JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Map<String, Entry> entries = read(jar);
        ClassFile classFile = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.ofResourceParsing(
                        (ClassDesc c) -> resource(entries, c)).orElse(ClassHierarchyResolver.defaultResolver())));
        int upgraded = 0;
        int kept = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getKey().endsWith(".class") && !e.getKey().startsWith("META-INF/")) {
                byte[] upgradedClass;
                try {
                    upgradedClass = upgrade(classFile, e.getKey(), e.getValue().bytes());
                } catch (IllegalArgumentException | IllegalStateException ex) {
                    System.out.println("UpgradeClassFiles: warning: " + e.getKey() + " kept as it was (it loads"
                            + " outside the start-up cache): " + ex.getMessage().lines().findFirst().orElse(""));
                    kept++;
                    continue;
                }
                if (upgradedClass != null) {
                    e.setValue(new Entry(upgradedClass, e.getValue().time()));
                    upgraded++;
                }
            }
        }
        Path tmp = jar.resolveSibling(jar.getFileName() + ".upgrading");
        try (OutputStream out = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setTime(e.getValue().time());
                zip.putNextEntry(entry);
                zip.write(e.getValue().bytes());
                zip.closeEntry();
            }
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("UpgradeClassFiles: " + upgraded + " class files of " + jar.getFileName()
                + " rewritten as version " + TARGET + (kept > 0 ? ", " + kept + " kept as they were" : ""));
    }

    /** The class rewritten, or null when it is recent enough to stay as it is. */
    private static byte[] upgrade(ClassFile classFile, String name, byte[] bytes) {
        ClassModel model = classFile.parse(bytes);
        if (model.majorVersion() >= OLDEST_ARCHIVABLE) {
            return null;
        }
        ClassTransform version = (builder, element) -> {
            if (element instanceof ClassFileVersion) {
                builder.withVersion(TARGET, 0);
            } else {
                builder.with(element);
            }
        };
        // Passing every method body through a code transform makes the API rebuild it, and so compute its stack maps
        // (an untouched body would be copied as it was, without them).
        byte[] out = classFile.transformClass(model,
                version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)));
        List<VerifyError> errors = classFile.verify(out);
        if (!errors.isEmpty()) {
            throw new IllegalStateException(name + " does not verify after the upgrade: " + errors);
        }
        return out;
    }

    private static InputStream resource(Map<String, Entry> entries, ClassDesc c) {
        String d = c.descriptorString();
        Entry e = entries.get(d.substring(1, d.length() - 1) + ".class");
        return e == null ? null : new ByteArrayInputStream(e.bytes());
    }

    private static Map<String, Entry> read(Path jar) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(jar); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                zip.transferTo(bytes);
                entries.put(e.getName(), new Entry(bytes.toByteArray(), e.getTime()));
            }
        }
        return entries;
    }
}
