package dev.safetensors.internal.header;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The keyed hash is the published SipHash: checked against values computed elsewhere, not by this code.
 * SipHash-1-3 with the zero key is CPython's {@code hash(bytes)} under {@code PYTHONHASHSEED=0} (CPython
 * 3.11 uses siphash13); SipHash-2-4 with the key 00..0f is the reference vector of the SipHash paper.
 */
class KeyedHashTest {
    /** {@code PYTHONHASHSEED=0 python3 -c "print(hash(bytes(range(n))) & (2**64 - 1))"}, CPython 3.11.7. */
    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({
            "1, 0x68a914128e01e473", "2, 0x010bac45c41e3669", "7, 0x2f098ab0c751325a", "8, 0xead411e67ebe2eea",
            "9, 0x75927f9d95124362", "15, 0xf30eb725bb91c9ea", "16, 0x8972188433a5c5b7", "17, 0x4883c49a2c009c1d",
            "31, 0x169739443111d49b", "32, 0x31ef8061c910629b", "33, 0x7fb71d24dfa4c9f6", "63, 0x385d3e39e5f37359",
            "64, 0x75e05fd5bbc870c6"})
    void sipHash13MatchesCPython(int length, String expected) {
        assertThat(KeyedHash.sipHash(0, 0, 1, 3, counting(length, 0), 0, length))
                .isEqualTo(Long.parseUnsignedLong(expected.substring(2), 16));
    }

    @Test
    void sipHash24MatchesThePaper() {
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        assertThat(KeyedHash.sipHash(k0, k1, 2, 4, counting(15, 0), 0, 15)).isEqualTo(0xa129ca6149be45e5L);
    }

    @Test
    void hashesAWindowOfALargerArray() {
        byte[] padded = counting(40, 3);   // bytes 0..39 after three bytes of 0xAA
        assertThat(KeyedHash.sipHash(0, 0, 1, 3, padded, 3, 33)).isEqualTo(0x7fb71d24dfa4c9f6L);
        assertThat(KeyedHash.hash(padded, 3, 33)).isEqualTo(KeyedHash.hash(counting(33, 0), 0, 33));
    }

    /** {@code pad} bytes of 0xAA, then 0, 1, …, length − 1. */
    private static byte[] counting(int length, int pad) {
        byte[] b = new byte[pad + length];
        for (int i = 0; i < pad; i++) {
            b[i] = (byte) 0xAA;
        }
        for (int i = 0; i < length; i++) {
            b[pad + i] = (byte) i;
        }
        return b;
    }
}
