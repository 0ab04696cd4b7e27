package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import dev.safetensors.quant.internal.config.ConfigFiles;
import dev.safetensors.quant.internal.config.ConfigObject;
import dev.safetensors.quant.internal.kernel.Bnb4Kernel;
import java.util.List;
import java.util.Map;

/**
 * bitsandbytes 4-bit as {@code Params4bit} saves it (quant/README.md#layouts-read; {@code bitsandbytes/functional.py},
 * {@code QuantState.as_dict(packed=True)}): {@code <x>.weight} (the packed codes, any storage dtype),
 * {@code .weight.absmax}, {@code .weight.quant_map} (the 16-entry codebook), the UTF-8 JSON blob
 * {@code .weight.quant_state.bitsandbytes__nf4} (or {@code __fp4}) holding {@code quant_type}, {@code blocksize},
 * {@code dtype}, {@code shape} and, when nested, {@code nested_blocksize}, {@code nested_offset}, beside
 * {@code .weight.nested_absmax} and {@code .weight.nested_quant_map}.
 *
 * @param quantType nf4 or fp4
 */
public record Bnb4Format(String quantType) implements LayerFormat {
    /** More than any quant_state blob (about 150 bytes), so a hostile one is refused before it is parsed. */
    private static final long MAX_STATE_BYTES = 1 << 16;

    @Override
    public QuantScheme scheme() {
        return quantType.equals("nf4") ? QuantScheme.BNB_NF4 : QuantScheme.BNB_FP4;
    }

    @Override
    public String format() {
        return "bitsandbytes " + quantType;
    }

    @Override
    public List<Role> roles() {
        return List.of(new Role("quant_state", ".weight.quant_state.bitsandbytes__" + quantType, true),
                Role.required("weight"), new Role("absmax", ".weight.absmax", true),
                new Role("quant_map", ".weight.quant_map", true), new Role("nested_absmax", ".weight.nested_absmax", false),
                new Role("nested_quant_map", ".weight.nested_quant_map", false));
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        return plan(layer, tensors, 4, 0, 1, true, false, null);
    }

    @Override
    public BuiltLayer build(LayerTensors t) {
        ConfigObject state = state(t);
        String type = state.string("quant_type").orElseThrow(() -> state.invalid("quant_type", "is missing"));
        if (!type.equals(quantType)) {
            throw state.invalid("quant_type", "is \"" + type + "\" in a tensor named for " + quantType);
        }
        int blockSize = state.integer("blocksize").orElseThrow(() -> state.invalid("blocksize", "is missing"));
        if (blockSize < 1) {
            throw state.invalid("blocksize", "is " + blockSize + "; it must be positive");
        }
        List<Integer> dims = state.integers("shape");
        if (dims.isEmpty() || dims.stream().anyMatch(d -> d < 1)) {
            throw state.invalid("shape", "is " + dims + "; the weight's shape has positive dimensions");
        }
        long[] shape = dims.stream().mapToLong(Integer::longValue).toArray();
        long n;
        try {
            n = Math.multiplyExact(Layouts.product(shape, shape.length - 1), shape[shape.length - 1]);
        } catch (ArithmeticException e) {
            throw state.invalid("shape", "is " + dims + ", whose element count overflows");
        }
        long columns = shape[shape.length - 1];
        if (columns > Layouts.MAX_COLUMNS) {
            throw state.invalid("shape", "is " + dims + "; rows of more than " + Layouts.MAX_COLUMNS + " are refused");
        }
        Tensor weight = t.get("weight");
        long packedBytes = (n + 1) / 2;
        long width = weight.dtype().bits() / 8;
        if (weight.dtype().isSubByte() || weight.byteSize() < packedBytes || weight.byteSize() >= packedBytes + width) {
            throw t.invalid("`" + weight.name() + "` holds " + weight.byteSize() + " bytes; " + n
                    + " codes of 4 bits need " + packedBytes);
        }
        long blocks = Layouts.ceilDiv(n, blockSize);
        Tensor quantMap = t.dtype(t.get("quant_map"), DType.F32);
        t.shape(quantMap, "a 4-bit codebook", 16);
        Tensor absmax = t.get("absmax");
        Bnb4Kernel.Nested nested = null;
        if (state.has("nested_blocksize") || t.find("nested_absmax").isPresent()) {
            nested = nested(t, state, blocks);
            t.dtype(absmax, DType.U8);
        } else {
            t.dtype(absmax, DType.F32);
        }
        t.shape(absmax, "one absmax per block of " + blockSize + " of the " + n + " elements", blocks);
        Bnb4Kernel kernel = new Bnb4Kernel(weight.data(), n / columns, (int) columns, quantMap.toFloatArray(), blockSize,
                absmax.data(), nested);
        Shape logical = Shape.of(shape);
        LayerPlan plan = plan(t.layer(), t.names(), 4, blockSize, 1, true, false, logical);
        return new BuiltLayer(plan, kernel, t.layer() + ".weight", logical, false);
    }

    private static Bnb4Kernel.Nested nested(LayerTensors t, ConfigObject state, long blocks) {
        int nestedBlock = state.integer("nested_blocksize").orElseThrow(() -> state.invalid("nested_blocksize",
                "is missing beside nested_absmax"));
        if (nestedBlock < 1) {
            throw state.invalid("nested_blocksize", "is " + nestedBlock + "; it must be positive");
        }
        Object offset = state.values().get("nested_offset");
        if (!(offset instanceof Number number)) {
            throw state.invalid("nested_offset", "must be a number");
        }
        Tensor nestedAbsmax = t.dtype(t.get("nested_absmax"), DType.F32);
        t.shape(nestedAbsmax, "one nested absmax per " + nestedBlock + " of " + blocks + " absmax codes",
                Layouts.ceilDiv(blocks, nestedBlock));
        Tensor nestedMap = t.dtype(t.get("nested_quant_map"), DType.F32);
        t.shape(nestedMap, "an 8-bit codebook", 256);
        return new Bnb4Kernel.Nested(nestedMap.toFloatArray(), nestedAbsmax.data(), nestedBlock, number.floatValue());
    }

    private static ConfigObject state(LayerTensors t) {
        Tensor blob = t.dtype(t.get("quant_state"), DType.U8, DType.I8);
        if (blob.byteSize() > MAX_STATE_BYTES) {
            throw t.invalid("`" + blob.name() + "` holds " + blob.byteSize() + " bytes, more than a quant_state's "
                    + MAX_STATE_BYTES);
        }
        String source = t.source() + " tensor `" + blob.name() + "`";
        try {
            return ConfigFiles.parse(blob.toByteArray(), source);
        } catch (SafeTensorsException e) {
            throw t.invalid("`" + blob.name() + "` is not bitsandbytes' JSON quant_state: " + e.getMessage());
        }
    }
}
