package dev.safetensors.torch.internal.checkpoint;

/** The small torch objects a checkpoint may hold besides tensors, kept only to be listed and skipped. */
final class TorchValues {
    private TorchValues() {
    }

    /** {@code torch.device('cuda', 0)}. */
    record Device(String name) {
        @Override
        public String toString() {
            return "device(" + name + ")";
        }
    }

    /** {@code torch.strided} and friends, from {@code torch.serialization._get_layout}. */
    record Layout(String name) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code torch.Tensor}, {@code torch.nn.parameter.Parameter}: classes named as the type of a rebuilt tensor. */
    record TensorClass(String name) {
        @Override
        public String toString() {
            return name;
        }
    }
}
