package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.Tensor;
import dev.safetensors.quant.LayerPlan;
import dev.safetensors.quant.QuantScheme;
import java.util.List;
import java.util.Map;

/**
 * bitsandbytes LLM.int8 (quant/README.md#layouts-read; {@code Linear8bitLt._save_to_state_dict}): {@code weight} I8
 * {@code [out, in]}, {@code SCB} F32 {@code [out]} (each row's absmax), {@code weight_format} U8 scalar
 * (0 = row-major; the tiled GPU layouts 1–3 are not read). {@code W[r, c] = q[r, c] × SCB[r] / 127}.
 */
public record Bnb8Format() implements LayerFormat {
    private static final ScaledByteFormat ROWS = new ScaledByteFormat(QuantScheme.BNB_INT8, "bitsandbytes int8",
            List.of(DType.I8), "SCB", false, 127f, new ScaleGrid.Strategy.PerChannel(), List.of("weight_format"));

    @Override
    public QuantScheme scheme() {
        return QuantScheme.BNB_INT8;
    }

    @Override
    public String format() {
        return ROWS.format();
    }

    @Override
    public List<Role> roles() {
        return ROWS.roles();
    }

    @Override
    public LayerPlan plan(String layer, Map<String, String> tensors) {
        return ROWS.plan(layer, tensors);
    }

    @Override
    public BuiltLayer build(LayerTensors t) {
        Tensor format = t.find("weight_format").orElse(null);
        if (format != null) {
            t.dtype(format, DType.U8, DType.I8, DType.I32, DType.I64);
            if (format.shape().elementCount() != 1) {
                throw t.invalid("`" + format.name() + "` has shape " + format.shape() + "; it is one layout code");
            }
            long code = format.toLongArray()[0];
            if (code != 0) {
                throw Layouts.unsupported(t.source(), "layer `" + t.layer() + "`: `" + format.name() + "` = " + code
                        + " (" + (code == 1 ? "col32" : code == 2 ? "col_turing" : code == 3 ? "col_ampere" : "unknown")
                        + "); only the row-major layout 0 is read");
            }
        }
        return ROWS.build(t);
    }
}
