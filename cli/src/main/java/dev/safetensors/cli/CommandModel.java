package dev.safetensors.cli;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The commands' models for picocli, declared in code rather than by annotations. Reading annotations costs a
 * small command most of its start-up: each annotation type becomes a dynamic proxy class spun at run time, and
 * every option is set through reflection's method handles, none of which JDK 25's ahead-of-time cache can hold
 * (docs/benchmarks.md, "Start-up of a small command"). Declared here, a command's options are plain objects
 * bound to its fields by two lambdas, and picocli parses, validates and prints help exactly as before.
 *
 * <p>A command builds its model in its constructor:
 * <pre>{@code
 * spec = CommandModel.command("stats", this, DESCRIPTION, "safetensors stats model.safetensors");
 * spec.addOption(CommandModel.flag("--json", () -> json, v -> json = v)
 *         .description("One JSON object per PATH.").build());
 * }</pre>
 * Names with aliases are given in one string separated by spaces ({@code "-o --output"}), as help lists them.
 */
final class CommandModel {
    private CommandModel() {
    }

    /**
     * A command named {@code name} whose work is {@code command}'s {@code call()}, with its description and its
     * examples (none for a command help lists without any). {@link #withStandardHelp} adds {@code --help} and
     * {@code --version} once its own options are declared.
     */
    static CommandSpec command(String name, Callable<Integer> command, String[] description, String... examples) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(name);
        spec.usageMessage().description(description);
        if (examples.length > 0) {
            spec.usageMessage().footerHeading("%nExamples:%n").footer(examples);
        }
        spec.versionProvider(new Main.Version());
        return spec;
    }

    /**
     * {@code spec} with {@code -h/--help} and {@code -V/--version} after the options it declares, where the
     * annotations' standard help options came: the completion scripts list options in the order they were added,
     * and stay as they were (help sorts them either way).
     */
    static CommandSpec withStandardHelp(CommandSpec spec) {
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        return spec;
    }

    /**
     * An option that takes no value: present is true. Its arity is left to picocli, as for an annotated boolean
     * field: an arity given in code would refuse {@code --json=false}, which an annotated option accepts.
     */
    static OptionSpec.Builder flag(String names, Supplier<Boolean> get, Consumer<Boolean> set) {
        return bind(OptionSpec.builder(names.split(" ")).type(boolean.class), get, set);
    }

    /** An option that takes one value, converted to {@code type}. */
    static <T> OptionSpec.Builder option(String names, String label, Class<T> type, Supplier<T> get,
            Consumer<T> set) {
        return bind(OptionSpec.builder(names.split(" ")).paramLabel(label).type(type), get, set);
    }

    /** An option that may be given many times, each value added to the list. */
    static <T> OptionSpec.Builder repeatable(String names, String label, Class<T> elementType,
            Supplier<List<T>> get, Consumer<List<T>> set) {
        return bind(OptionSpec.builder(names.split(" ")).paramLabel(label).type(List.class)
                .auxiliaryTypes(elementType), get, set);
    }

    /** The positional parameter at {@code index}, required (unless the caller says otherwise). */
    static <T> PositionalParamSpec.Builder positional(int index, String label, Class<T> type, Supplier<T> get,
            Consumer<T> set) {
        return bind(PositionalParamSpec.builder().index(String.valueOf(index)).paramLabel(label).type(type)
                .required(true), get, set);
    }

    /**
     * All positional parameters, as a list of {@code arity} (e.g. {@code "1..*"}) values; required when the
     * arity asks for at least one.
     */
    static <T> PositionalParamSpec.Builder positionals(String arity, String label, Class<T> elementType,
            Supplier<List<T>> get, Consumer<List<T>> set) {
        return bind(PositionalParamSpec.builder().arity(arity).paramLabel(label).type(List.class)
                .auxiliaryTypes(elementType).required(!arity.startsWith("0")), get, set);
    }

    // The field's value now is the one picocli puts back before it parses (as it does for an annotated field).
    // One for each builder: picocli's common builder type is not public.
    private static OptionSpec.Builder bind(OptionSpec.Builder builder, Supplier<?> get, Consumer<?> set) {
        Binding<?> b = new Binding<>(get, set);
        return builder.getter(b).setter(b).initialValue(get.get());
    }

    private static PositionalParamSpec.Builder bind(PositionalParamSpec.Builder builder, Supplier<?> get,
            Consumer<?> set) {
        Binding<?> b = new Binding<>(get, set);
        return builder.getter(b).setter(b).initialValue(get.get());
    }

    /**
     * A field of a command, as picocli reads and writes it. Picocli needs the getter too: a repeated option adds
     * to the list it gets back.
     */
    private static final class Binding<T> implements IGetter, ISetter {
        private final Supplier<T> get;
        private final Consumer<T> set;

        @SuppressWarnings("unchecked")
        Binding(Supplier<?> get, Consumer<?> set) {
            this.get = (Supplier<T>) get;
            this.set = (Consumer<T>) set;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <R> R get() {
            return (R) get.get();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <R> R set(R value) {
            R old = get();
            set.accept((T) value);
            return old;
        }
    }
}
