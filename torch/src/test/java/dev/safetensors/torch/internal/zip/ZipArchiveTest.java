package dev.safetensors.torch.internal.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsException.Kind;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The zip directory reader on archives written record by record, each damaged in one field. */
class ZipArchiveTest {
    private static ZipArchive read(byte[] zip) {
        return ZipArchive.read(MemorySegment.ofArray(zip), "test.zip");
    }

    private static SafeTensorsException refused(byte[] zip) {
        return catchThrowableOfType(SafeTensorsException.class, () -> read(zip));
    }

    private static TestZip sample() {
        return new TestZip().add("a/data.pkl", "pickle").add("a/data/0", "0123456789");
    }

    @Test
    void readsEntriesAsSlicesAndToleratesAComment() {
        TestZip z = sample();
        z.comment = "a comment with PK\u0005\u0006 inside";
        ZipArchive archive = read(z.bytes());
        assertThat(archive.entries().keySet()).containsExactly("a/data.pkl", "a/data/0");
        ZipArchive.Entry e = archive.entry("a/data/0").orElseThrow();
        assertThat(archive.bytes(e, "t").toArray(ValueLayout.JAVA_BYTE)).containsExactly("0123456789".getBytes());
    }

    @Test
    void aTruncatedArchiveHasNoEndRecord() {
        byte[] zip = sample().bytes();
        for (int cut : new int[] {1, 10, 22, zip.length / 2, zip.length - 5}) {
            SafeTensorsException e = refused(Arrays.copyOf(zip, zip.length - cut));
            assertThat(e.kind()).isEqualTo(Kind.MetadataIncompleteBuffer);
            assertThat(e.getMessage()).contains("truncated");
        }
        assertThat(refused(new byte[5]).getMessage()).contains("too few for a zip archive");
    }

    @Test
    void encryptedMultiDiskAndMismatchedEntriesAreRefused() {
        TestZip z = sample();
        byte[] zip = z.bytes();
        TestZip.putShort(zip, z.centralOffsets.get(1) + 8, 1);   // encrypted flag
        assertThat(refused(zip).getMessage()).contains("`a/data/0` is encrypted");

        zip = z.bytes();
        TestZip.putShort(zip, z.endOffset + 4, 1);   // disk number
        assertThat(refused(zip).getMessage()).contains("multi-disk");

        zip = z.bytes();
        zip[z.localOffsets.get(1) + 30] = 'b';   // local name differs from the central one
        SafeTensorsException e = refused(zip);
        assertThat(e.kind()).isEqualTo(Kind.InvalidOffset);
        assertThat(e.getMessage()).contains("does not match the central directory");

        zip = z.bytes();
        TestZip.putInt(zip, z.centralOffsets.get(1) + 42, z.localOffsets.get(1) + 3);   // points inside data
        assertThat(refused(zip).getMessage()).contains("has no local header");
    }

    @Test
    void sizesAndOffsetsThatLeaveTheArchiveAreRefused() {
        TestZip z = sample();
        byte[] zip = z.bytes();
        TestZip.putInt(zip, z.centralOffsets.get(0) + 20, 999_999);   // stored sizes now disagree
        assertThat(refused(zip).getMessage()).contains("declares 999999 stored but 6 bytes");

        zip = z.bytes();
        TestZip.putInt(zip, z.centralOffsets.get(0) + 20, 200);
        TestZip.putInt(zip, z.centralOffsets.get(0) + 24, 200);      // runs over the next entry and the directory
        SafeTensorsException e = refused(zip);
        assertThat(e.kind()).isIn(Kind.InvalidOffset, Kind.MetadataIncompleteBuffer);

        zip = z.bytes();
        TestZip.putInt(zip, z.endOffset + 16, 1 << 30);              // central directory offset past the end
        assertThat(refused(zip).kind()).isEqualTo(Kind.InvalidOffset);

        zip = z.bytes();
        TestZip.putShort(zip, z.endOffset + 10, 3);                  // one more entry than there are records
        assertThat(refused(zip).getMessage()).contains("central directory record 2 of 3 is missing");
    }

    @Test
    void namesMustBePlainRelativePathsAndUnique() {
        String[] bad = {"/abs", "a/../b", "a/./b", "a//b", "a\\b", "a/\u0001", ".."};
        for (String name : bad) {
            SafeTensorsException e = refused(new TestZip().add("a/data.pkl", "x").add(name, "y").bytes());
            assertThat(e.kind()).as(name).isEqualTo(Kind.InvalidHeaderDeserialization);
            assertThat(e.getMessage()).as(name).contains("not a plain relative path");
        }
        SafeTensorsException e = refused(new TestZip().add("a/x", "1").add("a/x", "2").bytes());
        assertThat(e.getMessage()).contains("`a/x` appears twice");
        TestZip z = sample();
        byte[] invalidUtf8 = z.bytes();
        invalidUtf8[z.centralOffsets.get(0) + 46 + 1] = (byte) 0xFF;
        invalidUtf8[z.localOffsets.get(0) + 30 + 1] = (byte) 0xFF;
        assertThat(refused(invalidUtf8).getMessage()).contains("not valid UTF-8");
    }

    @Test
    void aCompressedEntryIsListedButNeverInflated() {
        TestZip z = sample();
        byte[] zip = z.bytes();
        TestZip.putShort(zip, z.localOffsets.get(1) + 8, 8);
        TestZip.putShort(zip, z.centralOffsets.get(1) + 10, 8);
        ZipArchive archive = read(zip);
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                () -> archive.bytes(archive.entry("a/data/0").orElseThrow(), "test.zip"));
        assertThat(e.getMessage()).contains("compressed (method 8, deflate)", "never inflated");
        assertThat(archive.bytes(archive.entry("a/data.pkl").orElseThrow(), "test.zip").byteSize()).isEqualTo(6);
    }
}
