package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.torch.internal.pickle.Constructor;
import dev.safetensors.torch.internal.pickle.PickleError;
import dev.safetensors.torch.internal.pickle.PyDict;
import dev.safetensors.torch.internal.pickle.PyTuple;
import dev.safetensors.torch.internal.pickle.PyValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's tensor rebuild functions ({@code torch._utils}), as data constructors: each checks its
 * arguments' types and returns a {@link TensorRef}, a description of a view into a storage. Nothing is
 * read from the storage here; the view is checked against it once the whole pickle has been accepted.
 */
final class Rebuilds {
    static final String UTILS = "torch._utils.";

    private Rebuilds() {
    }

    /** {@code _rebuild_tensor(storage, storage_offset, size, stride)}. */
    static final Constructor TENSOR = Constructor.of(UTILS + "_rebuild_tensor", args -> {
        Args a = Args.of(UTILS + "_rebuild_tensor", args, 4, 4);
        return view(a, storage(a).type().dtype());
    });

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None)}. */
    static final Constructor TENSOR_V2 = Constructor.of(UTILS + "_rebuild_tensor_v2", args -> {
        Args a = Args.of(UTILS + "_rebuild_tensor_v2", args, 6, 7);
        a.bool(4, "requires_grad");
        a.dictOrNone(5, "backward_hooks");
        checkMetadata(a, 6);
        return view(a, storage(a).type().dtype());
    });

    /** {@code _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None)}. */
    static final Constructor TENSOR_V3 = Constructor.of(UTILS + "_rebuild_tensor_v3", args -> {
        Args a = Args.of(UTILS + "_rebuild_tensor_v3", args, 7, 8);
        a.bool(4, "requires_grad");
        a.dictOrNone(5, "backward_hooks");
        checkMetadata(a, 7);
        storage(a);
        return view(a, a.typed(6, TorchDType.class, "dtype", "a torch dtype such as torch.float8_e4m3fn"));
    });

    /** {@code _rebuild_parameter(data, requires_grad, backward_hooks)}: a Parameter is its tensor. */
    static final Constructor PARAMETER = Constructor.of(UTILS + "_rebuild_parameter", args -> {
        Args a = Args.of(UTILS + "_rebuild_parameter", args, 3, 3);
        a.bool(1, "requires_grad");
        return a.typed(0, TensorRef.class, "data", "a tensor").asParameter();
    });

    /** {@code _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state)}: the state is ignored. */
    static final Constructor PARAMETER_WITH_STATE = Constructor.of(UTILS + "_rebuild_parameter_with_state", args -> {
        Args a = Args.of(UTILS + "_rebuild_parameter_with_state", args, 4, 4);
        a.bool(1, "requires_grad");
        return a.typed(0, TensorRef.class, "data", "a tensor").asParameter();
    });

    /**
     * {@code torch._tensor._rebuild_from_type_v2(func, new_type, args, state)}: a tensor with Python attributes
     * or of a subclass. Only the tensor classes of the allowlist are accepted; the attributes are ignored.
     */
    static final Constructor FROM_TYPE_V2 = Constructor.of("torch._tensor._rebuild_from_type_v2", args -> {
        Args a = Args.of("torch._tensor._rebuild_from_type_v2", args, 4, 4);
        Constructor func = a.typed(0, Constructor.class, "func", "a tensor rebuild function");
        TorchValues.TensorClass type = a.typed(1, TorchValues.TensorClass.class, "new_type",
                "torch.Tensor or torch.nn.parameter.Parameter");
        PyTuple inner = a.typed(2, PyTuple.class, "args", "a tuple");
        if (!isTensorRebuild(func)) {
            throw PickleError.unsafe("`torch._tensor._rebuild_from_type_v2` may only call a tensor rebuild function, not `"
                    + func.name() + "`");
        }
        Object t = func.call().apply(inner.items());
        TensorRef tensor = (TensorRef) t;
        return type.name().endsWith("Parameter") ? tensor.asParameter() : tensor;
    });

    static boolean isTensorRebuild(Constructor c) {
        return c == TENSOR || c == TENSOR_V2 || c == TENSOR_V3 || c == PARAMETER || c == PARAMETER_WITH_STATE;
    }

    private static StorageRef storage(Args a) {
        return a.typed(0, StorageRef.class, "storage", "a storage (a persistent id)");
    }

    private static TensorRef view(Args a, TorchDType dtype) {
        StorageRef s = storage(a);
        long offset = a.integer(1, "storage_offset");
        long[] sizes = a.integers(2, "size");
        long[] strides = a.integers(3, "stride");
        if (sizes.length != strides.length) {
            throw PickleError.malformed("a tensor of " + sizes.length + " sizes but " + strides.length + " strides");
        }
        return new TensorRef(s, dtype, offset, sizes, strides, false);
    }

    /**
     * The tensor metadata of torch 2.x records the conjugate and negative bits of lazy views: the bytes stored
     * are then not the tensor's values, so such tensors are refused rather than silently changed.
     */
    private static void checkMetadata(Args a, int i) {
        if (!a.has(i)) {
            return;
        }
        PyDict metadata = a.dictOrNone(i, "metadata");
        List<String> set = new ArrayList<>();
        for (Map.Entry<Object, Object> e : metadata.entries().entrySet()) {
            if (!Boolean.FALSE.equals(e.getValue())) {
                set.add(e.getKey() instanceof String s ? s : PyValues.describe(e.getKey()));
            }
        }
        if (!set.isEmpty()) {
            throw new PickleError(SafeTensorsException.Kind.InvalidTensorView, "a tensor saved with metadata " + set
                    + " (the conjugate or negative bit of a lazy view): its stored bytes are not its values; call "
                    + "resolve_conj() / resolve_neg() before saving");
        }
    }
}
