package dev.safetensors.quant.internal.layout;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The tensors of one layer by role, with the checks every layout makes and messages that name the file,
 * the layer, the tensor and the rule broken.
 *
 * @param source  the checkpoint, for messages
 * @param layer   the layer's prefix
 * @param format  the layout being read, for messages (e.g. {@code 4-bit GPTQ})
 * @param byRole  role (e.g. {@code qweight}) to tensor
 */
public record LayerTensors(String source, String layer, String format, Map<String, Tensor> byRole) {

    /** The tensor for {@code role}, or a {@code TensorNotFound} naming what the layer has and lacks. */
    public Tensor get(String role) {
        Tensor t = byRole.get(role);
        if (t == null) {
            throw new SafeTensorsException(SafeTensorsException.Kind.TensorNotFound, source, "layer `" + layer
                    + "` (" + format + ") has " + byRole.keySet() + " but no `" + role + "` tensor");
        }
        return t;
    }

    /** Role to tensor name, for plans. */
    public Map<String, String> names() {
        Map<String, String> names = new java.util.TreeMap<>();
        byRole.forEach((role, t) -> names.put(role, t.name()));
        return names;
    }

    public Optional<Tensor> find(String role) {
        return Optional.ofNullable(byRole.get(role));
    }

    /** An {@code InvalidQuantization} about this layer. */
    public SafeTensorsException invalid(String rule) {
        return Layouts.invalid(source, "layer `" + layer + "` (" + format + "): " + rule);
    }

    /** Checks the dtype is one of {@code allowed}. */
    public Tensor dtype(Tensor t, DType... allowed) {
        if (Arrays.asList(allowed).contains(t.dtype())) {
            return t;
        }
        throw invalid("`" + t.name() + "` is " + t.dtype() + ", expected " + (allowed.length == 1 ? allowed[0]
                : "one of " + Arrays.toString(allowed)));
    }

    /** The dimensions, after checking the rank is one of {@code ranks}. */
    public long[] dims(Tensor t, int... ranks) {
        int rank = t.shape().rank();
        for (int r : ranks) {
            if (r == rank) {
                return t.shape().dims();
            }
        }
        throw invalid("`" + t.name() + "` has shape " + t.shape() + ", expected rank " + (ranks.length == 1
                ? String.valueOf(ranks[0]) : Arrays.toString(ranks)));
    }

    /** Checks the shape is exactly {@code expected}, saying why it must be. */
    public void shape(Tensor t, String why, long... expected) {
        if (!Arrays.equals(t.shape().dims(), expected)) {
            throw invalid("`" + t.name() + "` has shape " + t.shape() + "; " + why + " needs "
                    + dev.safetensors.Shape.of(expected));
        }
    }
}
