package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.torch.internal.pickle.Globals;
import dev.safetensors.torch.internal.pickle.PyGlobal;
import java.util.Map;
import java.util.Optional;

/**
 * The globals a PyTorch state dict is made of, and nothing else: the tensor and parameter rebuild
 * functions, storage classes, dtypes, {@code OrderedDict}, {@code torch.Size}, {@code torch.device}, the
 * layout helper, and the Python constructors protocols 0 to 3 use for bytes, sets and complex numbers.
 * Each resolves to a data constructor or a plain value (see torch/README.md for the table). Every other
 * global is refused, with the reason when it is a known one.
 */
public final class TorchAllowlist implements Globals {
    public static final TorchAllowlist INSTANCE = new TorchAllowlist();

    private static final Map<String, Object> TABLE = Map.ofEntries(
            Map.entry("collections.OrderedDict", DataConstructors.ORDERED_DICT),
            Map.entry("builtins.set", DataConstructors.set(false)),
            Map.entry("builtins.frozenset", DataConstructors.set(true)),
            Map.entry("builtins.bytes", DataConstructors.bytes("builtins.bytes")),
            Map.entry("builtins.bytearray", DataConstructors.bytes("builtins.bytearray")),
            Map.entry("builtins.complex", DataConstructors.COMPLEX),
            Map.entry("_codecs.encode", DataConstructors.CODECS_ENCODE),
            Map.entry("torch.Size", DataConstructors.TORCH_SIZE),
            Map.entry("torch.device", DataConstructors.TORCH_DEVICE),
            Map.entry("torch.serialization._get_layout", DataConstructors.GET_LAYOUT),
            Map.entry("torch._utils._rebuild_tensor", Rebuilds.TENSOR),
            Map.entry("torch._utils._rebuild_tensor_v2", Rebuilds.TENSOR_V2),
            Map.entry("torch._utils._rebuild_tensor_v3", Rebuilds.TENSOR_V3),
            Map.entry("torch._utils._rebuild_parameter", Rebuilds.PARAMETER),
            Map.entry("torch._utils._rebuild_parameter_with_state", Rebuilds.PARAMETER_WITH_STATE),
            Map.entry("torch._tensor._rebuild_from_type_v2", Rebuilds.FROM_TYPE_V2),
            Map.entry("torch.Tensor", new TorchValues.TensorClass("torch.Tensor")),
            Map.entry("torch.nn.parameter.Parameter", new TorchValues.TensorClass("torch.nn.parameter.Parameter")),
            Map.entry("torch.nn.parameter.Buffer", new TorchValues.TensorClass("torch.nn.parameter.Buffer")),
            Map.entry("torch.storage.UntypedStorage", new StorageType("UntypedStorage", TorchDType.UINT8)));

    private TorchAllowlist() {
    }

    @Override
    public Optional<Object> resolve(PyGlobal g) {
        Object v = TABLE.get(g.qualifiedName());
        if (v != null) {
            return Optional.of(v);
        }
        // torch.FloatStorage and the like (torch.cuda.FloatStorage in old legacy files), and torch.float32 ...
        if ((g.module().equals("torch") || g.module().equals("torch.cuda")) && g.name().endsWith("Storage")) {
            return TorchDType.byStorage(g.name()).map(t -> new StorageType(g.name(), t));
        }
        if (g.module().equals("torch")) {
            return TorchDType.byName(g.name()).map(t -> t);
        }
        return Optional.empty();
    }

    @Override
    public String refusal(PyGlobal g) {
        String m = g.module();
        String q = g.qualifiedName();
        if (q.equals("builtins.eval") || q.equals("builtins.exec") || q.equals("builtins.compile")) {
            return "it evaluates code";
        }
        if (m.equals("builtins") && (g.name().equals("getattr") || g.name().equals("__import__")
                || g.name().equals("open") || g.name().equals("setattr") || g.name().equals("globals"))) {
            return "it reaches arbitrary objects or files";
        }
        if (m.equals("os") || m.equals("posix") || m.equals("nt") || m.equals("subprocess") || m.equals("sys")
                || m.equals("shutil") || m.equals("pty") || m.equals("runpy") || m.equals("importlib")) {
            return "it runs commands or code";
        }
        if (m.startsWith("__torch__")) {
            return "a TorchScript class: this is a TorchScript program (torch.jit.save), not a state dict; "
                    + "save model.state_dict() instead";
        }
        if (m.equals("__main__") || m.startsWith("torch.nn.modules") || m.startsWith("transformers.")) {
            return "a pickled model object, whose loading runs its class's code; save model.state_dict() instead";
        }
        if (m.startsWith("numpy")) {
            return "NumPy objects are not read (torch.load(weights_only=True) refuses them too); "
                    + "store tensors instead";
        }
        if (q.startsWith("torch._utils._rebuild_sparse") || q.equals("torch._utils._rebuild_qtensor")
                || q.equals("torch._utils._rebuild_nested_tensor") || q.equals("torch._utils._rebuild_wrapper_subclass")
                || q.equals("torch._utils._rebuild_meta_tensor_no_storage")
                || q.startsWith("torch._utils._rebuild_device_tensor")) {
            return "a kind of tensor this importer does not convert (sparse, quantized, nested, meta, subclass or "
                    + "device-specific): make it a dense tensor first (to_dense(), dequantize(), cpu())";
        }
        if (m.equals("torch") && g.name().endsWith("Storage")) {
            return "an unknown storage class";
        }
        return "not a constructor of the data a state dict holds";
    }
}
