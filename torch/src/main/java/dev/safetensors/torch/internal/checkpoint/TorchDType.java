package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.DType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A PyTorch dtype as a pickle names it ({@code torch.float32}, or through a storage class such as
 * {@code torch.FloatStorage}), and the safetensors dtype it becomes. Dtypes without a safetensors
 * counterpart are known by name, so that the error can say what they are.
 *
 * @param torchName   {@code float32}, {@code bfloat16}, ...
 * @param dtype       the safetensors dtype, or null when there is none
 * @param elementSize bytes per element in the storage (one byte per pair of values for {@code float4_e2m1fn_x2})
 * @param unsupported why there is no safetensors dtype, or null
 */
public record TorchDType(String torchName, DType dtype, int elementSize, String unsupported) {
    private static final Map<String, TorchDType> BY_NAME = new HashMap<>();
    private static final Map<String, TorchDType> BY_STORAGE = new HashMap<>();

    /** Bytes, as {@code torch.UntypedStorage} holds them. */
    public static final TorchDType UINT8 = supported("uint8", DType.U8, 1, "ByteStorage");

    static {
        supported("float64", DType.F64, 8, "DoubleStorage");
        supported("float32", DType.F32, 4, "FloatStorage");
        supported("float16", DType.F16, 2, "HalfStorage");
        supported("bfloat16", DType.BF16, 2, "BFloat16Storage");
        supported("int64", DType.I64, 8, "LongStorage");
        supported("int32", DType.I32, 4, "IntStorage");
        supported("int16", DType.I16, 2, "ShortStorage");
        supported("int8", DType.I8, 1, "CharStorage");
        supported("bool", DType.BOOL, 1, "BoolStorage");
        supported("complex64", DType.C64, 8, "ComplexFloatStorage");
        supported("uint16", DType.U16, 2, null);
        supported("uint32", DType.U32, 4, null);
        supported("uint64", DType.U64, 8, null);
        supported("float8_e4m3fn", DType.F8_E4M3, 1, null);
        supported("float8_e5m2", DType.F8_E5M2, 1, null);
        supported("float8_e4m3fnuz", DType.F8_E4M3FNUZ, 1, null);
        supported("float8_e5m2fnuz", DType.F8_E5M2FNUZ, 1, null);
        supported("float8_e8m0fnu", DType.F8_E8M0, 1, null);
        supported("float4_e2m1fn_x2", DType.F4, 1, null);
        unsupported("complex128", 16, "ComplexDoubleStorage", "safetensors has no complex128 dtype (C64 is complex64)");
        unsupported("complex32", 4, null, "safetensors has no complex32 dtype");
        String quantized = "a quantized dtype: dequantize the tensor (tensor.dequantize()) before saving";
        unsupported("qint8", 1, "QInt8Storage", quantized);
        unsupported("quint8", 1, "QUInt8Storage", quantized);
        unsupported("qint32", 4, "QInt32Storage", quantized);
        unsupported("quint4x2", 1, "QUInt4x2Storage", quantized);
        unsupported("quint2x4", 1, "QUInt2x4Storage", quantized);
        for (String bits : new String[] {"bits8", "bits16", "bits1x8", "bits2x4", "bits4x2"}) {
            unsupported(bits, bits.equals("bits16") ? 2 : 1, null, "an opaque bits dtype, without numeric meaning");
        }
        for (int b = 1; b < 8; b++) {
            unsupported("int" + b, 1, null, "a sub-byte integer dtype, which safetensors lacks");
            unsupported("uint" + b, 1, null, "a sub-byte integer dtype, which safetensors lacks");
        }
    }

    private static TorchDType supported(String name, DType dtype, int size, String storage) {
        return register(new TorchDType(name, dtype, size, null), storage);
    }

    private static void unsupported(String name, int size, String storage, String why) {
        register(new TorchDType(name, null, size, why), storage);
    }

    private static TorchDType register(TorchDType t, String storage) {
        BY_NAME.put(t.torchName, t);
        if (storage != null) {
            BY_STORAGE.put(storage, t);
        }
        return t;
    }

    /** The dtype {@code torch.<name>} (canonical names only, as pickles write them). */
    public static Optional<TorchDType> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The dtype of a storage class {@code torch.<name>}, e.g. {@code FloatStorage}; {@code UntypedStorage} holds bytes. */
    public static Optional<TorchDType> byStorage(String name) {
        return name.equals("UntypedStorage") ? Optional.of(UINT8) : Optional.ofNullable(BY_STORAGE.get(name));
    }

    /** PyTorch's {@code float4_e2m1fn_x2} packs two F4 values per element: safetensors counts values. */
    public boolean packedPairs() {
        return dtype == DType.F4;
    }

    @Override
    public String toString() {
        return "torch." + torchName;
    }
}
